#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore

/// The host's check of an installed plugin's library against the record of
/// the package it was installed from (`.neko/package.json`, written by
/// `nekoctl install`; docs/PACKAGES.md): a library changed since install is refused.
///
/// A plugin folder without a record (dropped in by hand, or a build folder) is
/// not checked. The hash is of the private copy the host is about to open, so
/// the bytes checked are the bytes mapped.
enum PackagedLibraryCheck {
    /// The record's path in a plugin folder.
    static let recordPath = ".neko/package.json"

    /// Refuses `copy`, the private copy of `source`, if `source`'s folder holds
    /// a record whose entry for the library has another SHA-256.
    static func check(copy: String, of source: String) throws(LoadFailure) {
        let parts = source.split(separator: "/", omittingEmptySubsequences: false)
        guard let name = parts.last.map(String.init) else { return }
        let folder = parts.dropLast().joined(separator: "/")
        let record = folder + "/" + recordPath
        guard let bytes = readSmallFile(record) else { return }
        let json: JSON
        do {
            json = try JSON.parse(bytes)
        } catch {
            throw LoadFailure(.open, "\(record): not valid JSON (\(error)): the plugin's package record is damaged; reinstall it")
        }
        guard let entry = json["files"]?.arrayValue?.first(where: { $0["path"]?.stringValue == name }),
              let expected = entry["sha256"]?.stringValue else {
            throw LoadFailure(.open, "\(record): lists no '\(name)': the library is not the one installed; reinstall the plugin")
        }
        guard let actual = SHA256.hex(ofFile: copy) else {
            throw LoadFailure(.open, "\(copy): cannot read the private copy to check its hash: \(errnoText())")
        }
        guard actual == expected else {
            throw LoadFailure(.open, "\(source): changed since it was installed (sha256 \(actual), its package record \(record) says \(expected)): refused; reinstall the plugin ('nekoctl install')")
        }
    }

    /// The file's bytes if it exists and holds at most 4 MiB; nil if it does not exist.
    private static func readSmallFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while bytes.count <= 4 << 20 {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            bytes.append(contentsOf: buffer[0..<got])
        }
        return bytes
    }
}
