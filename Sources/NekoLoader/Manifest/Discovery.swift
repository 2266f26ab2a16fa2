#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder found under a plugin root, with its manifest or the reason it has none.
///
/// A plugin whose manifest failed is still listed (N.E.K.O's `load_failed`),
/// so that the host can show the reason beside it.
package struct DiscoveredPlugin: Sendable {
    /// The plugin's folder, absolute and standardized, eg `"/srv/plugins/hello"`.
    package let folder: String
    /// The folder's name, which is the plugin's id once the manifest is valid, eg `"hello"`.
    package let id: String
    /// The root the folder was found under, eg `"/srv/plugins"`.
    package let root: String
    /// The validated manifest, or a failure of phase ``LoadPhase/manifest``
    /// (a bad `plugin.toml`, a missing library, or an id already provided by an earlier root).
    package let manifest: Result<PluginManifest, LoadFailure>

    /// Makes an entry; ``Discovery/scan(roots:strict:)`` makes them for the folders it finds.
    package init(folder: String, id: String, root: String, manifest: Result<PluginManifest, LoadFailure>) {
        self.folder = folder
        self.id = id
        self.root = root
        self.manifest = manifest
    }
}

/// Finds plugins: each immediate subfolder of a plugin root that holds a `plugin.toml`.
///
/// Discovery reads files and never opens a library. It has no state: every
/// call looks at the file system afresh.
package enum Discovery {
    // MARK: - API

    /// The plugin roots to scan, absolute and standardized, in priority order.
    ///
    /// The `--dir` values if any; else `NEKO_PLUGIN_PATH` split on `:` (empty
    /// parts ignored); else `./plugins`. A leading `~/` is expanded with `HOME`.
    /// Relative paths are resolved against the current directory.
    ///
    /// - Parameters:
    ///   - explicit: The roots given on the command line (`--dir`), eg `["/srv/plugins"]`.
    ///   - environment: The process environment, eg `ProcessInfo.processInfo.environment`.
    /// - Returns: The roots, earliest first; a plugin in an earlier root wins over one of the same id in a later root.
    package static func roots(explicit: [String], environment: [String: String]) -> [String] {
        var chosen = explicit.filter { !$0.isEmpty }
        if chosen.isEmpty, let path = environment["NEKO_PLUGIN_PATH"] {
            chosen = path.split(separator: ":").map(String.init)
        }
        if chosen.isEmpty { chosen = ["./plugins"] }
        return chosen.map { root in
            if root == "~" || root.hasPrefix("~/"), let home = environment["HOME"], !home.isEmpty {
                return absolutePath(home + root.dropFirst())
            }
            return absolutePath(root)
        }
    }

    /// Lists every plugin under `roots` and reads its manifest.
    ///
    /// Within a root, folders come sorted by name; roots come in the order given.
    /// When two roots hold the same id, the plugin of the earlier root wins (even
    /// if its manifest is bad, so a broken user plugin never silently falls back
    /// to another copy); the later one is listed with a ``LoadPhase/manifest``
    /// failure naming both folders. A root that is missing or cannot be listed
    /// contributes nothing here: ``rootProblems(roots:)`` says why.
    ///
    /// - Parameters:
    ///   - roots: The plugin roots, eg the result of ``roots(explicit:environment:)``.
    ///   - strict: Refuse a manifest with an unknown key instead of warning (`--strict`).
    /// - Returns: One entry per folder holding a `plugin.toml` (or whose `plugin.toml` cannot be checked).
    package static func scan(roots: [String], strict: Bool = false) -> [DiscoveredPlugin] {
        var plugins: [DiscoveredPlugin] = []
        var providers: [String: String] = [:]
        var scanned: Set<String> = []
        for root in roots.map(absolutePath) where scanned.insert(root).inserted {
            guard case .names(let names) = listFolder(root) else { continue }
            for name in names.sorted() {
                let folder = join(root, name)
                guard case .directory = FileStatus.of(folder) else { continue }
                let manifestPath = join(folder, "plugin.toml")
                if case .missing = FileStatus.of(manifestPath) { continue }
                let manifest: Result<PluginManifest, LoadFailure>
                if let first = providers[name] {
                    manifest = .failure(LoadFailure(.manifest, "\(manifestPath): duplicate plugin id '\(name)': already provided by \(first); the first root wins"))
                } else {
                    providers[name] = folder
                    manifest = Result { () throws(LoadFailure) in try PluginManifest.load(folder: folder, strict: strict) }
                }
                plugins.append(DiscoveredPlugin(folder: folder, id: name, root: root, manifest: manifest))
            }
        }
        return plugins
    }

    /// Why some of `roots` yield no plugins: one message per root that is missing,
    /// is not a folder, cannot be listed, or is listed twice.
    ///
    /// The host shows these as warnings beside the result of ``scan(roots:strict:)``;
    /// an empty result means every root was scanned.
    ///
    /// - Parameter roots: The same roots as given to ``scan(roots:strict:)``.
    /// - Returns: Messages like `/srv/plugins: plugin root does not exist`, in the order of `roots`.
    package static func rootProblems(roots: [String]) -> [String] {
        var problems: [String] = []
        var scanned: Set<String> = []
        for root in roots.map(absolutePath) {
            guard scanned.insert(root).inserted else {
                problems.append("\(root): plugin root listed more than once; scanned once")
                continue
            }
            switch FileStatus.of(root) {
            case .missing: problems.append("\(root): plugin root does not exist")
            case .regularFile, .other: problems.append("\(root): plugin root is not a folder")
            case .error(let problem): problems.append("\(root): cannot read the plugin root: \(problem)")
            case .directory:
                if case .problem(let problem) = listFolder(root) {
                    problems.append("\(root): cannot list the plugin root: \(problem)")
                }
            }
        }
        return problems
    }

    // MARK: - Paths

    /// `path` made absolute and standardized, the way Neko names every folder in its messages.
    ///
    /// A relative path is resolved against the current directory; `.`, `..`,
    /// empty components and a trailing `/` are removed lexically (symbolic links
    /// are kept, not resolved), eg `"plugins/./hello/"` -> `"/srv/neko/plugins/hello"`.
    ///
    /// - Parameter path: Any path, eg `"./plugins"`.
    /// - Returns: An absolute path that starts with `/` and never ends with one (but `/` itself).
    package static func absolutePath(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") {
            if let cwd = getcwd(nil, 0) {
                full = String(cString: cwd) + "/" + path
                free(cwd)
            } else {
                full = "/" + path
            }
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `folder/name`, without a doubled `/` when `folder` ends with one (eg `/`).
    ///
    /// - Parameters:
    ///   - folder: A folder, eg `"/srv/plugins"`.
    ///   - name: A name inside it, eg `"hello"`.
    /// - Returns: eg `"/srv/plugins/hello"`.
    package static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The last component of a standardized absolute path (`""` for `/`).
    package static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? ""
    }

    // MARK: - File system

    /// What is at a path, following symbolic links.
    package enum FileStatus {
        case regularFile, directory, other, missing
        /// Cannot tell: the message says why, eg `permission denied (...)`.
        case error(String)

        package static func of(_ path: String) -> FileStatus {
            var info = stat()
            guard stat(path, &info) == 0 else {
                let code = errno
                return code == ENOENT || code == ENOTDIR ? .missing : .error(describe(code, path: path))
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG: return .regularFile
            case S_IFDIR: return .directory
            default: return .other
            }
        }

        /// Why this process cannot read the file at `path`, or `nil` when it can.
        package static func readProblem(_ path: String) -> String? {
            access(path, R_OK) == 0 ? nil : describe(errno, path: path)
        }
    }

    /// The names in a folder (without `.` and `..`), or why they cannot be listed.
    package enum Listing {
        case names([String])
        case problem(String)
    }

    package static func listFolder(_ path: String) -> Listing {
        guard let folder = opendir(path) else { return .problem(describe(errno, path: path)) }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .names(names)
    }

    /// The whole content of the file at `path`.
    ///
    /// - Throws: A ``LoadFailure`` of phase ``LoadPhase/manifest``: `<path>: cannot read: <cause>`.
    static func readFile(_ path: String) throws(LoadFailure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw LoadFailure(.manifest, "\(path): cannot read: \(describe(errno, path: path))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw LoadFailure(.manifest, "\(path): cannot read: \(describe(errno, path: path))")
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// An `errno` in words, eg `permission denied (mode 000, owner uid 0; this process runs as uid 1000)`.
    ///
    /// A permission problem names its real cause: the file's mode and owner, or
    /// the first folder on the way that this process may not enter.
    package static func describe(_ code: Int32, path: String) -> String {
        var text = String(cString: strerror(code))
        if let first = text.first { text = first.lowercased() + text.dropFirst() }
        guard code == EACCES || code == EPERM else { return text }
        let uid = getuid()
        var info = stat()
        if stat(path, &info) == 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            let padded = String(repeating: "0", count: max(0, 3 - mode.count)) + mode
            return "\(text) (mode \(padded), owner uid \(info.st_uid); this process runs as uid \(uid))"
        }
        var prefix = ""
        for part in path.split(separator: "/").dropLast() {
            prefix += "/" + part
            if access(prefix, X_OK) != 0 {
                return "\(text) (the folder \(prefix) cannot be entered by this process, uid \(uid))"
            }
        }
        return text
    }
}
