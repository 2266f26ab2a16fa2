/// The types of the loader's API that live in NekoCore (which is no product of
/// its own): `CallError`, `ErrorCode`, `JSON`, `EntryHints`, `CallProgress`.
/// An application that imports NekoLoader can name them without importing NekoCore.
@_exported import NekoCore
