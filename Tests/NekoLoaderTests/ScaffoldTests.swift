import Foundation
import Testing

/// Where a scaffolded plugin looks for Neko's SDK, and what it says when it
/// finds none: nothing is compiled here (the manifest is evaluated, the C
/// Makefile stops before the compiler), so these are fast.
@Suite struct ScaffoldTests {
    let workspace: Workspace
    /// The swift driver on the tests' PATH.
    static let swift = ProcessInfo.processInfo.environment["PATH"].flatMap { path in
        path.split(separator: ":").map { "\($0)/swift" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    } ?? "/usr/bin/swift"
    /// A PATH with the toolchain, make and a shell, and no nekoctl.
    let bare = "/usr/bin:/bin:" + URL(fileURLWithPath: ScaffoldTests.swift).deletingLastPathComponent().path

    init() throws {
        workspace = try Workspace()
    }

    private func scaffold(_ id: String, _ lang: String, sdk: String) throws -> (folder: String, stdout: String) {
        let created = try Shell.run(
            Workspace.nekoctl, ["new", id, "--lang", lang, "--dir", workspace.root],
            environment: ["NEKO_SDK": sdk, "PATH": bare, "NEKO_ROOT": Workspace.repository])
        try #require(created.status == 0, "\(created.stderr)")
        return ("\(workspace.root)/\(id)", created.stdout)
    }

    /// `swift package describe` of a scaffolded Swift plugin: evaluates its manifest only.
    private func describe(_ folder: String, sdk: String) throws -> Shell.Output {
        return try Shell.run(Self.swift, ["package", "describe"], in: folder, environment: ["NEKO_SDK": sdk, "PATH": bare])
    }

    @Test func aSwiftPluginUsesNekoSDKAndWritesNoPathOfTheMachine() throws {
        let (folder, stdout) = try scaffold("finds", "swift", sdk: "\(Workspace.repository)/SDK")
        #expect(!stdout.contains("note:"), "\(stdout)")
        #expect(!(try String(contentsOfFile: "\(folder)/Package.swift", encoding: .utf8)).contains(Workspace.repository))
        let described = try describe(folder, sdk: "\(Workspace.repository)/SDK")
        #expect(described.status == 0, "\(described.stderr)")
        #expect(described.stdout.contains("\(Workspace.repository)/SDK"), "\(described.stdout)")
    }

    @Test func aSwiftPluginWithAWrongNekoSDKSaysSo() throws {
        let (folder, stdout) = try scaffold("wrong", "swift", sdk: "/nonexistent/sdk")
        #expect(stdout.contains("note: NEKO_SDK=/nonexistent/sdk is not Neko's SDK (no Package.swift there); its build needs NEKO_SDK=\(Workspace.repository)/SDK"), "\(stdout)")
        let described = try describe(folder, sdk: "/nonexistent/sdk")
        #expect(described.status != 0)
        #expect(described.stderr.contains("error: NEKO_SDK=/nonexistent/sdk: no Package.swift there; expected Neko's SDK folder"), "\(described.stderr)")
    }

    @Test func aSwiftPluginWithNoSDKToFindSaysWhereToGetOne() throws {
        let (folder, stdout) = try scaffold("lost", "swift", sdk: "")
        #expect(stdout.contains("note: its build needs Neko's SDK: export NEKO_SDK=\(Workspace.repository)/SDK"), "\(stdout)")
        let described = try describe(folder, sdk: "")
        #expect(described.status != 0)
        #expect(described.stderr.contains("error: Neko's plugin SDK not found: set NEKO_SDK"), "\(described.stderr)")
    }

    @Test func aCPluginWithNoSDKToFindStopsBeforeTheCompiler() throws {
        let (folder, _) = try scaffold("lostc", "c", sdk: "")
        let make = try Shell.run("/usr/bin/env", ["make", "-C", folder], environment: ["NEKO_SDK": "", "PATH": bare])
        #expect(make.status != 0)
        #expect(make.stdout.contains("error: neko_abi.h not found: set NEKO_SDK"), "\(make.stdout)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/liblostc.so"))
    }
}
