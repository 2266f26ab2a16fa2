import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// neko_abi.h tags the settings `change` "[lifecycle, concurrent with
/// invoke]": it never runs beside another lifecycle call, but it does run
/// while calls are in flight (issue 10, section 3). The fixture's `hold`
/// waits for a change and its `change` waits for a `hold` in flight: both
/// answer only if the host runs them at the same time.
@Suite(.timeLimit(.minutes(2))) struct SettingsConcurrencyTests {
    @Test(arguments: [false, true])
    func aSettingChangesWhileACallRuns(isolated: Bool) async throws {
        let workspace = try Workspace()
        workspace.isolateAll = isolated
        try workspace.fixture("settings_concurrent", as: "settings_concurrent")
        let host = workspace.host()
        defer { host.shutdown() }
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        // Both on threads of their own: they block (the call until the change comes),
        // and the cooperative pool must stay free for the other tests.
        async let held = Self.onThread {
            Result { () throws(CallError) in try host.callBlocking("settings_concurrent", "hold", arguments: [], timeout: .seconds(20)) }
        }
        async let changed = Self.onThread {
            Result { () throws(CallError) in try host.changeSettings(of: "settings_concurrent", with: ["word": "ciao"]) }
        }
        let settings = try await changed.get()
        #expect(settings["word"]?.stringValue == "ciao")
        #expect(try await held.get().text == #"{"word":"ciao"}"#, "the call in flight sees the change")
    }

    /// Runs `body` on a new thread and returns its value.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DetachedThread.start { continuation.resume(returning: body()) }
        }
    }
}
