import ArgumentParser
import Foundation
import NekoPackage

/// `nekoctl inspect FILE [--json]`: prints a package's record without extracting anything.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a package's record (id, version, ABI, target, files) without extracting or checking file contents.")

    @Argument(help: "The package (.nekoplugin).")
    var file: String

    @Flag(help: "Print the record as JSON (.neko/package.json as packed).")
    var json = false

    func run() throws {
        try Packaging.run {
            let reader = try PackageReader(path: file)
            let record = reader.record
            if json {
                Terminal.out(String(decoding: reader.recordBytes, as: UTF8.self))
                return
            }
            var lines = [
                "\(record.id) \(record.version)",
                "  abi:           \(record.abi)",
                "  target:        \(record.target)",
                "  configuration: \(record.configuration)",
                "  swift:         \(record.swiftCompiler)",
                "  library:       \(record.library)",
                "  signature:     \(reader.signature.map { "by '\($0.signer)' (not checked: run 'nekoctl verify')" } ?? "none")",
                "  package sha256: \(reader.packageHash)",
                "  files (\(record.files.count), \(record.totalSize) bytes):",
            ]
            for file in record.files { lines.append("    \(file.sha256.prefix(16))  \(file.size)\t\(file.path)") }
            Terminal.out(lines.joined(separator: "\n"))
        }
    }
}
