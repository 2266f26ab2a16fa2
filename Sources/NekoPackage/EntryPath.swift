/// The rules for a path inside a package: relative, made of plain names, no
/// way out of the folder it is extracted into (zip-slip).
enum EntryPath {
    /// The reserved folder of a package and of an installed plugin: the record,
    /// the signature and what the installer noted.
    static let metadataFolder = ".neko"
    /// The record's path in a package.
    static let record = ".neko/package.json"
    /// The signature's path in a package.
    static let signature = ".neko/signature.json"

    /// Why `path` cannot be a file of a package, or nil if it can.
    static func problem(_ path: String) -> String? {
        if path.isEmpty { return "an empty path" }
        if path.hasPrefix("/") { return "an absolute path: expected a path relative to the plugin folder" }
        if path.contains("\\") { return "a backslash: expected '/' between names" }
        if path.utf8.contains(0) { return "a NUL byte" }
        if path.utf8.count > 1024 { return "a path longer than 1024 bytes" }
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part.isEmpty { return "an empty name (a leading, trailing or doubled '/')" }
            if part == ".." { return "a path that leaves the package ('..')" }
            if part == "." { return "a '.' name" }
        }
        return nil
    }
}
