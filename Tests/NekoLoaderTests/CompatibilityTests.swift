import Foundation
import NekoABI
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// The ABI compatibility matrix (docs/ABI.md, "Versioning"): plugins built
/// with older and newer headers load under this host and answer, in-process
/// and isolated; what the version rule forbids is refused, before the
/// plugin's code runs when the manifest alone says so.
@Suite(.timeLimit(.minutes(3))) struct CompatibilityTests {
    static let frozenHeader = "\(Workspace.repository)/Tests/Fixtures/abi-1.0"
    static let future = "\(Workspace.repository)/Tests/Fixtures/c/built_with_1_9.c"
    static let host = "\(BuildStamp.abi.major).\(BuildStamp.abi.minor)"

    /// `[plugin_runtime]` for a plugin in a worker process, or nothing.
    func runtime(_ isolated: Bool) -> String {
        isolated ? "[plugin_runtime]\nisolation = \"process\"" : ""
    }

    func loadedHost(_ workspace: Workspace, _ id: String, isolated: Bool) throws -> PluginHost {
        let host = workspace.host()
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        let status = try #require(host.plugin(id))
        #expect(status.state == .loaded)
        #expect((status.workerPID != nil) == isolated)
        return host
    }

    func failure(_ id: String, in workspace: Workspace) throws -> LoadFailure {
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        guard case .failed(let failure) = host.plugin(id)?.state else {
            Issue.record("\(id) is \(host.plugin(id).map { "\($0.state)" } ?? "not listed"), expected failed")
            throw CancellationError()
        }
        return failure
    }

    struct About: Decodable, Equatable { var built: String; var host: String }

    // MARK: - Loads and answers

    @Test(arguments: [false, true]) func pluginBuiltWith1_0LoadsAndAnswers(isolated: Bool) throws {
        let workspace = try Workspace()
        try workspace.writeManifest("builtwith10", rest: runtime(isolated))
        try workspace.compile(
            "builtwith10", source: "\(Self.frozenHeader)/built_with_1_0.c", flags: ["-Wall", "-Werror"], include: Self.frozenHeader)
        let host = try loadedHost(workspace, "builtwith10", isolated: isolated)
        defer { host.shutdown() }
        let status = try #require(host.plugin("builtwith10"))
        #expect(status.entries?.map(\.id) == ["about", "echo", "relay"])
        #expect(status.entries?.map(\.description) == ["What the plugin saw of its host.", "Returns its arguments.", "Calls echo through the host."])
        // 1.1 parts a 1.0 entry cannot have.
        #expect(status.entries?.allSatisfy { $0.resultSchema == nil && $0.hints.isEmpty && !$0.validatesArguments } == true)
        #expect(status.timers?.map(\.id) == ["first", "second"])
        #expect(status.timers?.map(\.interval) == [.seconds(3600), .seconds(7200)])
        let about = try NekoJSONDecoder().decode(About.self, from: host.callBlocking("builtwith10", "about", arguments: []))
        #expect(about == About(built: "1.0", host: Self.host))
        #expect(try host.callBlocking("builtwith10", "echo", arguments: #"{"x":[1,2]}"#.bytes).text == #"{"x":[1,2]}"#)
        // Its own calls are 1.0 neko_calls (56 bytes): the host reads no 1.1 field of them.
        #expect(try host.callBlocking("builtwith10", "relay", arguments: #"{"y":3}"#.bytes).text == #"{"y":3}"#)
    }

    @Test(arguments: [false, true]) func pluginBuiltWith1_9LoadsAndAnswers(isolated: Bool) throws {
        let workspace = try Workspace()
        try workspace.writeManifest("future", rest: runtime(isolated))
        try workspace.compile("future", source: Self.future, flags: ["-Wall", "-Werror"])
        let host = try loadedHost(workspace, "future", isolated: isolated)
        defer { host.shutdown() }
        let status = try #require(host.plugin("future"))
        // Read at the plugin's stride: the garbage tails never reach an id or a description.
        #expect(status.entries?.map(\.id) == ["about", "echo", "count"])
        #expect(status.entries?.map(\.description) == [
            "Which ABI built it, and which its host speaks.", "Returns its arguments.", "Counts its calls.",
        ])
        #expect(status.timers?.map(\.id) == ["first", "second"])
        #expect(status.timers?.map(\.interval) == [.seconds(3600), .seconds(7200)])
        let about = try NekoJSONDecoder().decode(About.self, from: host.callBlocking("future", "about", arguments: []))
        #expect(about == About(built: "1.9", host: Self.host))
        #expect(try host.callBlocking("future", "echo", arguments: #"{"name":"Ada"}"#.bytes).text == #"{"name":"Ada"}"#)
        #expect(try host.callBlocking("future", "count", arguments: []).text == #"{"count":3}"#)
    }

    @Test func swiftPluginRefusesAHostTableShorterThan1_0() throws {
        // The SDK's side of the rule: a host table shorter than 1.0 is refused
        // by `create` with an error, never read past its end.
        guard case .success(let descriptor) = PluginImage.register("\(Workspace.builtPlugins)/hello/libhello.so", hostName: "test") else {
            Issue.record("cannot open plugins/hello/libhello.so: run `make plugins`")
            return
        }
        var host = neko_host()
        host.struct_size = UInt32(neko_host.size1_0 - 8)
        var error = neko_error.empty
        let instance = descriptor.pointee.create(&host, &error)
        #expect(instance == nil)
        #expect(error.text == "create was called with a neko_host of struct_size 96, expected at least 104 (the ABI 1.0 size)")
    }

    // MARK: - Refused before the plugin's code runs

    @Test(arguments: [false, true]) func manifestNeedingANewerMinorIsRefusedBeforeTheLibraryRuns(isolated: Bool) throws {
        let workspace = try Workspace()
        let marker = "\(workspace.root)/../constructor-ran"
        try workspace.writeManifest("future", abi: "1.9", rest: runtime(isolated))
        try workspace.compile("future", source: Self.future, flags: ["-DMARKER=\"\(marker)\""])
        let refused = try failure("future", in: workspace)
        #expect(refused.phase == .abi)
        #expect(refused.message.contains("\(workspace.root)/future/plugin.toml: [plugin].abi = \"1.9\""))
        #expect(refused.message.contains("this host speaks ABI \(Self.host)"))
        #expect(refused.message.contains("needs a newer host"))
        #expect(!FileManager.default.fileExists(atPath: marker), "the library's constructor ran")

        // The marker is real: the same library, asking for 1.0, loads and runs it.
        try workspace.writeManifest("future", abi: "1.0", rest: runtime(isolated))
        let host = try loadedHost(workspace, "future", isolated: isolated)
        host.shutdown()
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    @Test(arguments: [false, true]) func pluginOfAnotherMajorIsRefusedBeforeTheLibraryRuns(isolated: Bool) throws {
        let workspace = try Workspace()
        let marker = "\(workspace.root)/../constructor-ran"
        try workspace.writeManifest("future", abi: "2.0", rest: runtime(isolated))
        try workspace.compile("future", source: Self.future, flags: ["-DMAJOR=2", "-DMINOR=0", "-DMARKER=\"\(marker)\""])
        let refused = try failure("future", in: workspace)
        #expect(refused.phase == .abi)
        #expect(refused.message.contains("[plugin].abi = \"2.0\""))
        #expect(refused.message.contains("this host speaks ABI \(Self.host); the majors must match"))
        #expect(!FileManager.default.fileExists(atPath: marker), "the library's constructor ran")
    }

    // MARK: - Refused after register, before create

    @Test(arguments: [false, true]) func descriptorOfAnotherMajorIsRefused(isolated: Bool) throws {
        let workspace = try Workspace()
        try workspace.writeManifest("abimajor", rest: runtime(isolated))
        try workspace.compile("abimajor", source: "\(Workspace.repository)/Tests/Fixtures/c/abi_major.c")
        let refused = try failure("abimajor", in: workspace)
        #expect(refused.phase == .abi)
        #expect(refused.message.contains("libabimajor.so: built with ABI 99.0, this host speaks ABI \(Self.host); the majors must match"))
    }

    @Test func libraryBuiltWithOlderHeadersThanItsManifestNeedsIsRefused() throws {
        let workspace = try Workspace()
        try workspace.writeManifest("builtwith10", abi: Self.host)
        try workspace.compile("builtwith10", source: "\(Self.frozenHeader)/built_with_1_0.c", include: Self.frozenHeader)
        let refused = try failure("builtwith10", in: workspace)
        #expect(refused.phase == .abi)
        #expect(refused.message.contains("libbuiltwith10.so: built with ABI 1.0, but \(workspace.root)/builtwith10/plugin.toml says [plugin].abi = \"\(Self.host)\""))
    }

    struct Defect: Sendable, CustomTestStringConvertible {
        let number: Int
        let phase: LoadPhase
        let message: String
        var testDescription: String { "defect \(number)" }
    }

    static let defects = [
        Defect(number: 1, phase: .abi, message: "libbadlayout.so: descriptor struct_size is 152 bytes, expected at least 160 (the ABI 1.0 size)"),
        Defect(number: 2, phase: .register, message: "libbadlayout.so: entry #1 has struct_size 48, entry #0 has 96: every entry of the array must have the same struct_size"),
        Defect(number: 3, phase: .register, message: "libbadlayout.so: entry #0 has struct_size 40, expected at least 48 (the ABI 1.0 size)"),
        Defect(number: 4, phase: .register, message: "libbadlayout.so: entry #0 has struct_size 52, expected a multiple of 8"),
        Defect(number: 5, phase: .register, message: "libbadlayout.so: timer #1 has struct_size 24, timer #0 has 48: every timer of the array must have the same struct_size"),
    ]

    @Test(arguments: defects, [false, true]) func badLayoutIsRefusedNamingTheElementAndBothSizes(defect: Defect, isolated: Bool) throws {
        let workspace = try Workspace()
        try workspace.writeManifest("badlayout", rest: runtime(isolated))
        try workspace.compile("badlayout", source: "\(Workspace.repository)/Tests/Fixtures/c/bad_layout.c", flags: ["-DDEFECT=\(defect.number)"])
        let refused = try failure("badlayout", in: workspace)
        #expect(refused.phase == defect.phase)
        #expect(refused.message.contains(defect.message), "\(refused.message)")
    }
}
