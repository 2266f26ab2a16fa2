/// Plugins see the JSON types of NekoCore (JSON, JSONObject, JSONSchema, ErrorCode) and
/// the SQLite layer (Database, KeyValueStore, SQLValue) without importing them.
@_exported import NekoCore
@_exported import NekoSQLite
