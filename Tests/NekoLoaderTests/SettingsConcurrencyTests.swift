import Foundation
import NekoCore
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
        let holding = Task.detached {
            try host.callBlocking("settings_concurrent", "hold", arguments: [], timeout: .seconds(20))
        }
        let settings = try host.changeSettings(of: "settings_concurrent", with: ["word": "ciao"])
        #expect(settings["word"]?.stringValue == "ciao")
        let answer = try await holding.value
        #expect(answer.text == #"{"word":"ciao"}"#, "the call in flight sees the change")
    }
}
