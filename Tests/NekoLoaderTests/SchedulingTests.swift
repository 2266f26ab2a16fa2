import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// Where calls run: a sync entry called from async code blocks a host
/// thread, never one of Swift's cooperative pool.
@Suite(.timeLimit(.minutes(2))) struct SchedulingTests {
    @Test func syncEntriesCalledFromTasksLeaveTheCooperativePoolFree() async throws {
        let workspace = try Workspace()
        try workspace.fixture("blocking", as: "blocking")
        let host = workspace.host()
        defer { host.shutdown() }
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        let hold = try host.entry("blocking", "hold")
        let empty = Array("{}".utf8)
        // As many blocking calls as the pool has threads: on the pool, they
        // would take every one of them until `release`.
        let width = ProcessInfo.processInfo.activeProcessorCount
        let holds = (0..<width).map { _ in Task { try await hold.call(empty, timeout: .seconds(60)) } }
        let holding = try await host.call("blocking", "holding", arguments: Array(#"{"count":\#(width)}"#.utf8), timeout: .seconds(60))
        #expect(holding == Array(#"{"holding":\#(width)}"#.utf8))
        // Every hold now blocks a thread; a plain task still runs, and releases them.
        let progressed = await Task.detached { () -> Bool in
            await Task.yield()
            return true
        }.value
        #expect(progressed)
        _ = try await host.call("blocking", "release", arguments: empty)
        for task in holds {
            // A hold that was not released within 30 s says so.
            #expect(try await task.value == Array(#"{"released":true}"#.utf8))
        }
    }

    @Test func syncEntriesCalledFromTasksStillReportTheirErrors() async throws {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        try workspace.install("hello")
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        await #expect(throws: CallError.self) {
            try await host.call("hello", "greet", arguments: Array(#"{"name":42}"#.utf8))
        }
        let greeting = try await host.call("hello", "greet", arguments: Array(#"{"name":"Ada"}"#.utf8))
        #expect(String(decoding: greeting, as: UTF8.self).contains("Ada"))
    }
}
