import Foundation
@_spi(Neko) import NekoCore
import Testing

/// What `make install PREFIX=...` installed (`make test` installs into
/// `.build/install-test` before the tests and names it in `NEKO_INSTALLED`),
/// then a plugin scaffolded by the installed nekoctl, built against the
/// installed SDK (found beside the nekoctl on PATH, with no NEKO_SDK and no
/// checkout path), loaded and called.
///
/// Slow (a release build of the plugin and its SDK), so `swift test` alone skips it.
@Suite(.timeLimit(.minutes(30))) struct InstallTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["NEKO_INSTALLED"] != nil, "make test installs Neko first"))
    func anInstalledNekoctlScaffoldsAPluginThatBuildsAgainstTheInstalledSDK() throws {
        let prefix = try #require(ProcessInfo.processInfo.environment["NEKO_INSTALLED"])
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("neko-install-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let plugins = "\(scratch)/plugins"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        for file in ["bin/nekoctl", "bin/neko-worker", "include/neko_abi.h", "share/neko/SDK/Package.swift",
                     "share/neko/SDK/Sources/NekoPlugin/Plugin.swift", "share/neko/PluginTemplates/swift/Package.swift"] {
            #expect(FileManager.default.fileExists(atPath: "\(prefix)/\(file)"), "\(file) is not installed")
        }

        // A user's shell: the install on PATH, no NEKO_SDK, away from the checkout.
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "\(prefix)/bin:" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["NEKO_SDK"] = ""
        environment["NEKO_CACHE_DIR"] = "\(scratch)/cache"
        let nekoctl = "\(prefix)/bin/nekoctl"
        let created = try Shell.run(nekoctl, ["new", "installed", "--dir", plugins], in: scratch, environment: environment)
        try #require(created.status == 0, "\(created.stdout)\(created.stderr)")
        #expect(!created.stdout.contains("note:"), "the SDK is found beside nekoctl: \(created.stdout)")
        let folder = "\(plugins)/installed"
        #expect(!(try String(contentsOfFile: "\(folder)/Package.swift", encoding: .utf8)).contains(Workspace.repository))

        let make = try Shell.run("/usr/bin/env", ["make", "-C", folder], in: scratch, environment: environment)
        try #require(make.status == 0, "the plugin did not build against the installed SDK:\n\(make.stdout)\(make.stderr)")
        let state = try String(contentsOfFile: "\(folder)/.build/workspace-state.json", encoding: .utf8)
        #expect(state.contains("\(prefix)/share/neko/SDK"), "the SDK it resolved: \(state)")
        let call = try Shell.run(nekoctl, ["call", "installed", "hello", "name=Ada", "--dir", plugins], in: scratch, environment: environment)
        #expect(call.status == 0, "\(call.stderr)")
        #expect(try JSON.parse(call.stdout) == ["greeting": "Hello, Ada!"])
        #expect(!call.stderr.contains("built in"), "host and plugin are both release builds: \(call.stderr)")
    }
}
