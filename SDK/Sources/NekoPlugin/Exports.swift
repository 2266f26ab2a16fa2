/// Plugins see the JSON types of NekoCore (JSON, JSONObject, JSONSchema, ErrorCode),
/// the SQLite layer (Database, KeyValueStore, SQLValue) and Synchronization's
/// `Mutex` and `Atomic` (a plugin's shared state lives in them) without importing them.
@_exported import NekoCore
@_exported import NekoSQLite
@_exported import Synchronization
