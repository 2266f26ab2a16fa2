import Foundation
import Synchronization
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
    func aSettingChangesWhileACallRuns(isolated: Bool) throws {
        let workspace = try Workspace()
        workspace.isolateAll = isolated
        try workspace.fixture("settings_concurrent", as: "settings_concurrent")
        let host = workspace.host()
        defer { host.shutdown() }
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        // A thread of its own, not a task: the cooperative pool may be busy with other tests.
        let answer = Mutex<Result<[UInt8], CallError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        DetachedThread.start {
            let outcome = Result { () throws(CallError) in
                try host.callBlocking("settings_concurrent", "hold", arguments: [], timeout: .seconds(20))
            }
            answer.withLock { $0 = outcome }
            done.signal()
        }
        let settings = try host.changeSettings(of: "settings_concurrent", with: ["word": "ciao"])
        #expect(settings["word"]?.stringValue == "ciao")
        done.wait()
        let held = try #require(answer.withLock { $0 })
        #expect(try held.get().text == #"{"word":"ciao"}"#, "the call in flight sees the change")
    }
}
