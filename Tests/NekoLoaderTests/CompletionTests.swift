import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// Exactly-once completion (issue 10, section 3): real C plugins that
/// complete a call twice, or never, in-process and in a worker process. The
/// first completion wins; a second is counted and logged, never obeyed; a
/// sync call left incomplete ends at its deadline and its late completion
/// is ignored. Nothing is written to memory a finished call has left.
@Suite(.timeLimit(.minutes(3))) struct CompletionTests {
    /// A host over the two fixtures, every plugin in-process or isolated.
    func makeHost(isolated: Bool) throws -> (PluginHost, Workspace) {
        let workspace = try Workspace()
        workspace.isolateAll = isolated
        try workspace.fixture("double_complete", as: "double_complete")
        try workspace.fixture("never_completes", as: "never_completes")
        let host = workspace.host()
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        return (host, workspace)
    }

    @Test(arguments: [false, true])
    func aSecondCompletionInsideInvokeIsIgnoredAndCounted(isolated: Bool) throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        for round in 1...50 {
            let result = try host.callBlocking("double_complete", "twice", arguments: [])
            #expect(result.text == #"{"n":1}"#, "round \(round): the first completion must win")
        }
        #expect(try host.contractViolations(of: "double_complete") == 50)
        #expect(host.plugin("double_complete")?.contractViolations == 50)
        #expect(host.plugin("double_complete")?.json["contract_violations"]?.intValue == 50)
    }

    @Test(arguments: [false, true])
    func aSecondCompletionAfterTheCallerReturnedTouchesNothing(isolated: Bool) throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        // `stash` keeps its call after completing it; `again` completes that dead call a
        // second time, long after its caller's frame is gone (other calls reused the stack).
        for round in 1...200 {
            let stashed = try host.callBlocking("double_complete", "stash", arguments: [])
            #expect(stashed.text == #"{"stashed":true}"#)
            let again = try host.callBlocking("double_complete", "again", arguments: [])
            #expect(again.text == #"{"again":true}"#, "round \(round)")
        }
        #expect(try host.contractViolations(of: "double_complete") == 200)
        // Still sound: a well-formed call answers.
        #expect(try host.callBlocking("double_complete", "again", arguments: []).text == #"{"again":false}"#)
    }

    @Test(arguments: [false, true])
    func anAsyncCallCompletedTwiceKeepsItsFirstResult(isolated: Bool) async throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        for _ in 1...50 {
            let result = try await host.call("double_complete", "async_twice", arguments: [])
            #expect(result.text == #"{"n":1}"#)
        }
        #expect(try host.contractViolations(of: "double_complete") == 50)
    }

    @Test(arguments: [false, true])
    func aCallNeverCompletedEndsAtItsDeadlineAndItsLateCompletionIsIgnored(isolated: Bool) throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        for round in 1...5 {
            #expect(throws: CallError.self, "round \(round)") {
                try host.callBlocking("never_completes", "forget", arguments: [], timeout: .milliseconds(50))
            }
            do {
                _ = try host.callBlocking("never_completes", "forget", arguments: [], timeout: .milliseconds(50))
            } catch {
                #expect(error.code == .timeout, "\(error)")
            }
            // The plugin now completes both forgotten calls, late: ignored, nothing breaks.
            let released = try host.callBlocking("never_completes", "release", arguments: [])
            #expect(released.text == #"{"released":2}"#)
        }
        #expect(try host.contractViolations(of: "never_completes") == 10)
        let status = try #require(host.plugin("never_completes"))
        #expect(status.state == .loaded)
    }
}
