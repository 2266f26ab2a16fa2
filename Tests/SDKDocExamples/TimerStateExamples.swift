import NekoPlugin
import NekoPluginTesting
import Testing

// docs/SDK.md, "Calls: context, progress, deadlines", "Timers" and "State across a reload".

final class Monitor: Plugin {
    static let entries: [Entry<Monitor>] = [
        Entry("crawl", description: "Crawls `pages` pages.", Monitor.crawl),
        Entry("beats", description: "How many heartbeats.", Monitor.beats),
    ]

    static let timers: [IntervalTimer<Monitor>] = [
        IntervalTimer("heartbeat", every: .seconds(5), Monitor.beat),
        IntervalTimer("cleanup", every: .seconds(60), autoStart: false, Monitor.cleanup),
    ]

    struct Site: Codable { var pages: Int }

    let shared = Mutex(State())

    func crawl(_ site: Site) async throws -> Int {
        let context = CallContext.current
        for page in 1...max(site.pages, 1) {
            try Task.checkCancellation()
            context?.progress(done: Double(page), total: Double(site.pages), message: "page \(page)")
        }
        if let deadline = context?.deadline, deadline < .now + .milliseconds(10) {
            throw CallError(.timeout, "too little time left")
        }
        return site.pages
    }

    func beats() -> Int {
        shared.withLock { $0.beats }
    }

    func beat() {
        shared.withLock { $0.beats += 1 }
    }

    func cleanup() async throws {
        shared.withLock { $0.cleanups += 1 }
    }
}

extension Monitor: StatefulPlugin {
    struct State: Codable {
        var beats = 0
        var cleanups = 0
    }

    func saveState() -> State {
        shared.withLock { $0 }
    }

    func restoreState(_ state: State) {
        shared.withLock { $0 = state }
    }
}

func whoCalls() -> String {
    guard let call = CallContext.current else { return "not in an entry" }
    return "call \(call.callID) from \(call.caller ?? "a client"), depth \(call.depth ?? 1)"
}

func fetchWithinFiveSeconds() async throws -> String {
    try await CallDeadline.$bound.withValue(.now + .seconds(5)) {
        try await Retry(attempts: 3, backoff: .constant(.seconds(1))).run { "fetched" }
    }
}

@Suite struct TimerStateExamples {
    let harness: PluginHarness<Monitor>

    init() throws {
        harness = try PluginHarness(Monitor.self, manifest: HarnessManifest(id: "monitor"))
    }

    @Test func progressIsReported() async throws {
        #expect(try await harness.call("crawl", Monitor.Site(pages: 3), as: Int.self, timeout: .seconds(10)) == 3)
        #expect(harness.progress.map(\.progress.message) == ["page 1", "page 2", "page 3"])
        #expect(whoCalls() == "not in an entry")
        #expect(try await fetchWithinFiveSeconds() == "fetched")
    }

    @Test func heartbeatsTickOnTheHarnessClock() async throws {
        harness.advance(by: .seconds(12))
        #expect(harness.ticks(of: "heartbeat") == 2)
        #expect(try await harness.call("beats", as: Int.self) == 2)
        try harness.startTimer("cleanup")
        harness.advance(by: .seconds(60))
        #expect(harness.ticks(of: "cleanup") == 1)
        try harness.reload()
        #expect(try await harness.call("beats", as: Int.self) == 14)
    }
}
