#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Copies a plugin template, filling in its placeholders.
enum Scaffold {
    struct Failure: Error {
        let message: String
    }

    static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    /// The placeholders of PluginTemplates/README.md, for plugin `id`.
    static func placeholders(id: String) -> [(String, String)] {
        [("__ID__", id), ("__TYPE__", typeName(id))]
    }

    /// A Swift type name from an id: "my-plugin_2" -> "MyPlugin2"; one that
    /// would start with a digit gets a "Plugin" prefix.
    static func typeName(_ id: String) -> String {
        let words = id.split(whereSeparator: { $0 == "-" || $0 == "_" })
        let name = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return name.first?.isNumber ?? true ? "Plugin" + name : name
    }

    /// Where nekoctl's templates are: the folder that holds `PluginTemplates/`
    /// (and `SDK/`). For an installed nekoctl (`make install`), `<prefix>/share/neko`
    /// beside its `bin/`; for one built in a checkout, the checkout. Searched
    /// from the executable's folder up.
    static func findNekoRoot() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        var folder = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for _ in 0..<6 {
            folder = String(folder[..<(folder.lastIndex(of: "/") ?? folder.startIndex)])
            if folder.isEmpty { return nil }
            for root in ["\(folder)/share/neko", folder] where FileManager.default.fileExists(atPath: "\(root)/PluginTemplates/swift/plugin.toml") {
                return root
            }
        }
        return nil
    }

    /// The SDK a scaffolded plugin will build against, found as its
    /// Package.swift finds it ($NEKO_SDK, else beside the `nekoctl` on PATH);
    /// nil when it will not find one.
    static func sdkForPlugins(environment: [String: String]) -> String? {
        let files = FileManager.default
        if let given = environment["NEKO_SDK"], !given.isEmpty {
            return files.fileExists(atPath: "\(given)/Package.swift") ? given : nil
        }
        for folder in (environment["PATH"] ?? "").split(separator: ":") {
            let nekoctl = URL(fileURLWithPath: "\(folder)/nekoctl")
            guard files.isExecutableFile(atPath: nekoctl.path) else { continue }
            var ancestor = nekoctl.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<6 {
                for candidate in ["share/neko/SDK", "SDK"] where files.fileExists(atPath: ancestor.appendingPathComponent("\(candidate)/Package.swift").path) {
                    return ancestor.appendingPathComponent(candidate).path
                }
                ancestor.deleteLastPathComponent()
            }
        }
        return nil
    }

    /// Copies the template folder `source` to `target` (which must not exist).
    static func copy(from source: String, to target: String, replacing placeholders: [(String, String)]) throws {
        let files = FileManager.default
        guard files.fileExists(atPath: source) else { throw Failure(message: "\(source): no such template") }
        guard !files.fileExists(atPath: target) else {
            throw Failure(message: "\(target) already exists: choose another name or --dir")
        }
        guard let relative = files.enumerator(atPath: source)?.compactMap({ $0 as? String }) else {
            throw Failure(message: "\(source): cannot list the template")
        }
        do {
            try files.createDirectory(atPath: target, withIntermediateDirectories: true)
            for path in relative.sorted() {
                var info = stat()
                let isFolder = stat("\(source)/\(path)", &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
                let destination = "\(target)/\(fill(path, placeholders))"
                if isFolder {
                    try files.createDirectory(atPath: destination, withIntermediateDirectories: true)
                    continue
                }
                guard let data = files.contents(atPath: "\(source)/\(path)") else {
                    throw Failure(message: "\(source)/\(path): cannot read the template file")
                }
                let text = fill(String(decoding: data, as: UTF8.self), placeholders)
                guard files.createFile(atPath: destination, contents: Data(text.utf8)) else {
                    throw Failure(message: "\(destination): cannot write: \(String(cString: strerror(errno)))")
                }
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(message: "\(target): \(error)")
        }
    }

    private static func fill(_ text: String, _ placeholders: [(String, String)]) -> String {
        placeholders.reduce(text) { $0.replacing($1.0, with: $1.1) }
    }
}
