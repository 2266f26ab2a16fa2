import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// What the host checks of how a plugin was built, beyond the ABI: a
/// descriptor without an id takes the manifest's, and a plugin built in
/// another configuration than the host loads, with a warning naming both.
@Suite struct BuildAgreementTests {
    /// The configuration that is not this host's.
    static let other = BuildStamp.configuration == "debug" ? "release" : "debug"

    /// Loads Tests/Fixtures/c/built_as.c as plugin `id`, built as `built`,
    /// isolated or not; returns the host and what it logged at `.warning`.
    private func load(_ id: String, built: String, isolated: Bool) throws -> (PluginHost, CapturedLog) {
        let workspace = try Workspace()
        try workspace.writeManifest(id, rest: isolated ? "[plugin_runtime]\nisolation = \"process\"" : "")
        try workspace.compile(id, source: "\(Workspace.repository)/Tests/Fixtures/c/built_as.c", flags: ["-DBUILT=\"\(built)\""])
        let log = CapturedLog()
        var options = workspace.options()
        options.logger = log.logger(level: .warning)
        let host = PluginHost(options: options)
        host.loadAll()
        return (host, log)
    }

    @Test(arguments: [false, true]) func aDescriptorWithoutAnIdTakesTheManifests(isolated: Bool) throws {
        let (host, _) = try load("noid", built: BuildStamp.configuration, isolated: isolated)
        defer { host.shutdown() }
        #expect(host.plugin("noid")?.state == .loaded, "\(String(describing: host.plugin("noid")?.state))")
        #expect(try host.callBlocking("noid", "ping", arguments: []) == Array("true".utf8))
    }

    @Test(arguments: [false, true]) func aPluginOfTheHostsConfigurationLoadsWithoutAWarning(isolated: Bool) throws {
        let (host, log) = try load("same", built: BuildStamp.configuration, isolated: isolated)
        defer { host.shutdown() }
        #expect(host.plugin("same")?.state == .loaded)
        #expect(log.messages(at: .warning).isEmpty, "\(log.messages(at: .warning))")
    }

    @Test(arguments: [false, true]) func aPluginOfTheOtherConfigurationLoadsAndTheHostSaysSo(isolated: Bool) throws {
        let (host, log) = try load("other", built: Self.other, isolated: isolated)
        defer { host.shutdown() }
        #expect(host.plugin("other")?.state == .loaded)
        let warning = try #require(log.messages(at: .warning).first)
        #expect(warning.hasPrefix("other: "))
        #expect(warning.contains("libother.so: built in \(Self.other), this host in \(BuildStamp.configuration)"))
        #expect(warning.hasSuffix("rebuild it with -c \(BuildStamp.configuration)"))
    }
}
