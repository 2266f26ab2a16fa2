import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// Loading real plugins: the examples load; every broken library is refused
/// in the right phase with a message that names the file and the reason, and
/// the host keeps serving the others.
@Suite struct LoadingTests {
    @Test func examplesLoadDependenciesFirst() throws {
        let workspace = try Workspace()
        try workspace.install("hello")
        try workspace.install("cgreet")
        let host = workspace.host()
        defer { host.shutdown() }
        let report = host.loadAll()
        #expect(report.loaded == ["cgreet", "hello"], "cgreet is a dependency of hello, so it loads first")
        #expect(report.failed.isEmpty)
        let hello = try #require(host.plugin("hello"))
        #expect(hello.state == .loaded)
        #expect(hello.entries?.map(\.id) == ["greet", "add", "stats", "sleep", "relay", "forward", "fail", "echo", "noop", "ping", "save", "ping_async", "count", "context"])
        #expect(hello.swiftVersion == BuildStamp.swiftCompiler)
        let cgreet = try #require(host.plugin("cgreet"))
        #expect(cgreet.state == .loaded)
        #expect(cgreet.swiftVersion == nil)
        #expect(cgreet.sdk == "c")
    }

    @Test func derivedSchemaDescribesTheArguments() throws {
        let workspace = try Workspace()
        try workspace.install("hello")
        try workspace.install("cgreet")
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        let greet = try #require(host.plugin("hello")?.entries?.first { $0.id == "greet" })
        #expect(greet.schema["type"] == "object")
        #expect(greet.schema["properties"]?["name"]?["type"] == "string")
        #expect(greet.schema["properties"]?["excited"]?["type"] == "boolean")
        #expect(greet.schema["required"] == ["name"])
        let sleep = try #require(host.plugin("hello")?.entries?.first { $0.id == "sleep" })
        #expect(sleep.isAsync)
        #expect(!greet.isAsync)
    }

    @Test func missingSymbolIsRefusedAtOpen() throws {
        let workspace = try Workspace()
        try workspace.fixture("no_symbol", as: "nosymbol")
        let host = workspace.host()
        host.loadAll()
        let failure = try #require(failureOf("nosymbol", in: host))
        #expect(failure.phase == .open)
        #expect(failure.message.contains("libnosymbol.so"))
        #expect(failure.message.contains("exports no 'neko_plugin_register'"))
    }

    @Test func abiMajorMismatchIsRefusedBeforeCreate() throws {
        let workspace = try Workspace()
        try workspace.fixture("abi_major", as: "abimajor")
        let host = workspace.host()
        host.loadAll()
        let failure = try #require(failureOf("abimajor", in: host))
        #expect(failure.phase == .abi)
        #expect(failure.message.contains("built with ABI 99.0, this host speaks ABI \(BuildStamp.abi.major).\(BuildStamp.abi.minor)"))
    }

    @Test func manifestABIRangeIsCheckedBeforeOpening() throws {
        let workspace = try Workspace()
        // A library that would crash if opened: the manifest's ABI alone must stop it.
        try workspace.writeManifest("future", plugin: "", rest: "")
        let manifest = "\(workspace.root)/future/plugin.toml"
        try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "abi = \"1.0\"", with: "abi = \"2.0\"")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        try Data("not an ELF file".utf8).write(to: URL(fileURLWithPath: "\(workspace.root)/future/libfuture.so"))
        let host = workspace.host()
        host.loadAll()
        let failure = try #require(failureOf("future", in: host))
        #expect(failure.phase == .abi)
        #expect(failure.message.contains("plugin.toml: [plugin].abi = \"2.0\" (the oldest host ABI the plugin runs on), this host speaks ABI 1."))
    }

    @Test func nullRegisterWrongIDAndDuplicateEntriesAreRefusedAtRegister() throws {
        let workspace = try Workspace()
        try workspace.fixture("null_register", as: "nullreg")
        try workspace.fixture("wrong_id", as: "wrongid")
        try workspace.fixture("bad_entries", as: "badentries")
        let host = workspace.host()
        host.loadAll()
        let null = try #require(failureOf("nullreg", in: host))
        #expect(null.phase == .register)
        #expect(null.message.contains("returned NULL"))
        let wrong = try #require(failureOf("wrongid", in: host))
        #expect(wrong.phase == .register)
        #expect(wrong.message.contains("'someone_else'") && wrong.message.contains("'wrongid'"))
        let duplicate = try #require(failureOf("badentries", in: host))
        #expect(duplicate.phase == .register)
        #expect(duplicate.message.contains("entry id 'dup' is declared twice"))
    }

    @Test func failingStartupIsReportedAndOthersStillServe() throws {
        let workspace = try Workspace()
        try workspace.fixture("start_fails", as: "startfails")
        try workspace.install("cgreet")
        let host = workspace.host()
        defer { host.shutdown() }
        let report = host.loadAll()
        #expect(report.loaded == ["cgreet"])
        let failure = try #require(failureOf("startfails", in: host))
        #expect(failure.phase == .startup)
        #expect(failure.message.contains("database is locked"))
        let result = try host.callBlocking("cgreet", "greet", arguments: #"{"name":"still here"}"#.bytes)
        #expect(result.text == #"{"greeting":"Hello, still here!"}"#)
        let refused = try #require(throws: CallError.self) { try host.callBlocking("startfails", "anything", arguments: []) }
        #expect(refused.code == .unavailable)
        #expect(refused.message.contains("database is locked"))
    }

    @Test func swiftPluginBuiltByAnotherCompilerIsRefused() throws {
        let workspace = try Workspace()
        try workspace.writeManifest("oldswift")
        let source = "\(workspace.root)/oldswift.c"
        try """
            #include "neko_abi.h"
            static const neko_plugin plugin = {
                .struct_size = sizeof(neko_plugin), .abi = {NEKO_ABI_VERSION_MAJOR, NEKO_ABI_VERSION_MINOR},
                .plugin_id = "oldswift", .swift_version = "5.9.2", .sdk = "NekoPlugin 0.0.1" };
            __attribute__((visibility("default"))) const neko_plugin *neko_plugin_register(const neko_host_info *h) { (void)h; return &plugin; }
            """.write(toFile: source, atomically: true, encoding: .utf8)
        try workspace.compile("oldswift", source: source)
        let host = workspace.host()
        host.loadAll()
        let failure = try #require(failureOf("oldswift", in: host))
        #expect(failure.phase == .abi)
        #expect(failure.message.contains("built by Swift 5.9.2, this host by Swift \(BuildStamp.swiftCompiler)"))
    }

    @Test func dependentsOfAFailedPluginFailNamingIt() throws {
        let workspace = try Workspace()
        try workspace.install("hello")  // depends on cgreet, which is missing
        let host = workspace.host()
        host.loadAll()
        let failure = try #require(failureOf("hello", in: host))
        #expect(failure.phase == .dependencies)
        #expect(failure.message.contains("'cgreet'"))
    }

    @Test func disabledAndOnDemandPlugins() throws {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        try workspace.fixture("async_c", as: "asyncc", plugin: "")
        let lazy = "\(workspace.root)/asyncc/plugin.toml"
        try (String(contentsOfFile: lazy, encoding: .utf8) + "\n[plugin_runtime]\nauto_start = false\n").write(toFile: lazy, atomically: true, encoding: .utf8)
        try workspace.fixture("no_symbol", as: "off")
        let off = "\(workspace.root)/off/plugin.toml"
        try (String(contentsOfFile: off, encoding: .utf8) + "\n[plugin_runtime]\nenabled = false\n").write(toFile: off, atomically: true, encoding: .utf8)
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        #expect(host.plugin("off")?.state == .disabled)
        #expect(host.plugin("asyncc")?.state == .unloaded)
        let result = try host.callBlocking("asyncc", "later", arguments: [])
        #expect(result.text == #"{"done":true}"#)
        #expect(host.plugin("asyncc")?.state == .loaded)
        #expect(throws: CallError(.unavailable, "plugin 'off' is disabled ([plugin_runtime].enabled = false)")) {
            try host.callBlocking("off", "x", arguments: [])
        }
    }

    @Test func theHostOpensAPrivateCopyAndSurvivesARebuildInPlace() throws {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        #expect(try host.callBlocking("cgreet", "noop", arguments: []).text == "{}")
        // Overwrite the library in place, as `cp` or a linker does: the mapped
        // private copy is untouched, so calls go on.
        let library = "\(workspace.root)/cgreet/libcgreet.so"
        let handle = try #require(FileHandle(forWritingAtPath: library))
        try handle.write(contentsOf: Data(repeating: 0xCC, count: 4096))
        try handle.close()
        #expect(try host.callBlocking("cgreet", "greet", arguments: #"{"name":"after rebuild"}"#.bytes).text == #"{"greeting":"Hello, after rebuild!"}"#)
        let copies = try FileManager.default.contentsOfDirectory(atPath: "\(workspace.cache)/cgreet")
        #expect(copies.count == 1 && copies[0].hasSuffix("-libcgreet.so"))
    }

    @Test func checkValidatesAFolderWithoutRunningIt() throws {
        let workspace = try Workspace()
        try workspace.install("hello")
        try workspace.fixture("abi_major", as: "abimajor")
        let good = try PluginCheck.run(folder: "\(workspace.root)/hello", cacheDirectory: workspace.cache).get()
        #expect(good.manifest.id == "hello")
        #expect(good.entries.count == 14)
        #expect(good.swiftVersion == BuildStamp.swiftCompiler)
        guard case .failure(let failure) = PluginCheck.run(folder: "\(workspace.root)/abimajor", cacheDirectory: workspace.cache) else {
            Issue.record("a library built for ABI 99 passed the check")
            return
        }
        #expect(failure.phase == .abi)
    }

    private func failureOf(_ id: String, in host: PluginHost) -> LoadFailure? {
        if case .failed(let failure) = host.plugin(id)?.state { return failure }
        Issue.record("\(id) is \(host.plugin(id).map { "\($0.state)" } ?? "not listed"), expected failed")
        return nil
    }
}
