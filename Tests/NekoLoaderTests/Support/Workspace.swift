import Foundation
import NekoLoader
import Testing

/// A temporary plugin root for one test: real plugin folders, built for real,
/// and a private library cache, all removed at the end.
final class Workspace {
    /// The repository root (where Package.swift is).
    static let repository: String = {
        var path = #filePath
        for _ in 0..<4 { path = (path as NSString).deletingLastPathComponent }
        return path
    }()

    /// The configuration these tests were built in (`debug` for `make test`):
    /// the plugins, nekoctl and neko-worker they use are built the same way.
    static let configuration: String = {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }()

    /// Where `make test` put the example plugins, built in the tests'
    /// configuration: `.build/debug/plugins` (`plugins/` holds `make`'s
    /// release build for nekoctl users). `$NEKO_TEST_PLUGINS` overrides it.
    static let builtPlugins: String = ProcessInfo.processInfo.environment["NEKO_TEST_PLUGINS"]
        ?? "\(repository)/.build/\(configuration)/plugins"

    /// The nekoctl binary `make test` built.
    static let nekoctl: String = {
        if let bin = ProcessInfo.processInfo.environment["NEKO_BIN"] { return "\(bin)/nekoctl" }
        return "\(repository)/.build/\(configuration)/nekoctl"
    }()

    /// The neko-worker binary `make test` built, for isolated plugins.
    static let worker: String = {
        if let bin = ProcessInfo.processInfo.environment["NEKO_BIN"] { return "\(bin)/neko-worker" }
        return "\(repository)/.build/\(configuration)/neko-worker"
    }()

    /// Why the loader's tests cannot run, or nil: `swift test` alone on a
    /// fresh clone has no example plugins, and says so at once in every test
    /// rather than fail in a hundred confusing ways.
    static let missingBuild: String? = {
        let probe = "\(builtPlugins)/hello/libhello.so"
        guard !FileManager.default.fileExists(atPath: probe) else { return nil }
        return "the example plugins are not built for the tests (\(probe) is missing): run `make test`, which builds them into \(builtPlugins) and then runs the tests"
    }()

    let root: String
    let cache: String
    /// Whether hosts made by `options()` run every plugin in a worker process.
    var isolateAll = false

    init() throws {
        if let missing = Self.missingBuild {
            Issue.record(Comment(rawValue: missing))
            throw CocoaError(.fileNoSuchFile)
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("neko-test-\(UUID().uuidString)").path
        root = "\(base)/plugins"
        cache = "\(base)/cache"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent)
    }

    /// Options for a host over this root, with the private cache.
    func options() -> HostOptions {
        var options = HostOptions(roots: [root])
        options.cacheDirectory = cache
        options.workerExecutable = Self.worker
        options.isolateAll = isolateAll
        // Crashes on purpose are the point of some tests: no backtraces.
        options.workerEnvironment = ["SWIFT_BACKTRACE": "enable=no"]
        return options
    }

    /// A host over this root.
    func host() -> PluginHost {
        PluginHost(options: options())
    }

    /// Copies example plugin `id` (as `make plugins` built it) into the root.
    func install(_ id: String) throws {
        let source = "\(Self.builtPlugins)/\(id)"
        guard FileManager.default.fileExists(atPath: "\(source)/lib\(id).so") else {
            Issue.record("\(source)/lib\(id).so is missing: run `make test`, which builds the plugins in the tests' configuration")
            throw CocoaError(.fileNoSuchFile)
        }
        try FileManager.default.copyItem(atPath: source, toPath: "\(root)/\(id)")
    }

    /// Writes `plugin.toml` for `id`, asking for host ABI `abi`, with `extra`
    /// lines appended to `[plugin]` and `rest` after it.
    func writeManifest(_ id: String, abi: String = "1.0", plugin extra: String = "", rest: String = "") throws {
        let folder = "\(root)/\(id)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let text = """
            [plugin]
            id = "\(id)"
            name = "\(id)"
            version = "1.0.0"
            abi = "\(abi)"
            \(extra)
            \(rest)
            """
        try text.write(toFile: "\(folder)/plugin.toml", atomically: true, encoding: .utf8)
    }

    /// Compiles C source into `<root>/<id>/lib<id>.so`, or into `output`,
    /// against `include` (by default today's neko_abi.h).
    func compile(_ id: String, source: String, flags: [String] = [], output: String? = nil, include: String = "\(Workspace.repository)/SDK/Sources/NekoABI/include") throws {
        let folder = "\(root)/\(id)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let result = try Shell.run("/usr/bin/env", [
            "cc", "-std=c11", "-O1", "-fPIC", "-shared", "-fvisibility=hidden",
            "-I", include,
        ] + flags + [source, "-o", output ?? "\(folder)/lib\(id).so"])
        #expect(result.status == 0, "cc failed: \(result.stderr)")
    }

    /// Puts `library` in place as plugin `id`'s library the way a build
    /// should: a copy beside it, then a rename.
    func replaceLibrary(of id: String, with library: String) throws {
        let target = "\(root)/\(id)/lib\(id).so"
        try? FileManager.default.removeItem(atPath: target + ".tmp")
        try FileManager.default.copyItem(atPath: library, toPath: target + ".tmp")
        guard rename(target + ".tmp", target) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// A fixture plugin from Tests/Fixtures/c/<file>.c, as plugin `id`.
    func fixture(_ file: String, as id: String, plugin extra: String = "") throws {
        try writeManifest(id, plugin: extra)
        try compile(id, source: "\(Self.repository)/Tests/Fixtures/c/\(file).c")
    }
}

/// Runs programs for the tests.
enum Shell {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs a program to its end. Its output goes to temporary files, not
    /// pipes: a process it starts, or one another test starts meanwhile, may
    /// inherit a pipe and keep it open, and a reader waiting for the end of
    /// a pipe would then wait for that process too.
    static func run(_ executable: String, _ arguments: [String], input: String? = nil, in directory: String? = nil, environment: [String: String] = [:]) throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("neko-shell-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (outPath, errPath, inPath) = ("\(scratch)/out", "\(scratch)/err", "\(scratch)/in")
        for path in [outPath, errPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        _ = FileManager.default.createFile(atPath: inPath, contents: Data((input ?? "").utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let inp = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        try? inp.close()
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Output(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

extension Array where Element == UInt8 {
    /// The bytes as UTF-8 text.
    var text: String { String(decoding: self, as: UTF8.self) }
}

extension String {
    /// The UTF-8 bytes.
    var bytes: [UInt8] { Array(utf8) }
}
