import NekoHTTP
import NekoTestSupport
import Testing

/// `HTTP.get` against a real server on the loopback: JSON, the URL check,
/// error statuses and which of them are transient, a failed connection, a
/// body that is not JSON, `Retry` around it, the call's deadline and
/// cancellation. Nothing sleeps: the deadline tests wait for the deadline
/// itself, the cancellation test for the connection to arrive.
@Suite(.timeLimit(.minutes(1)))
struct HTTPTests {
    @Test func getReturnsTheAnswerAndItsJSON() async throws {
        let server = try LoopbackHTTPServer(routes: ["/data": .always(.json(#"{"answer":42,"list":[1,2]}"#))])
        defer { server.stop() }
        let response = try await HTTP.get(server.url("/data"), headers: ["Accept": "application/json"])
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.url == server.url("/data"))
        #expect(try response.json() == ["answer": 42, "list": [1, 2]])
        struct Answer: Decodable { var answer: Int }
        #expect(try response.decode(as: Answer.self).answer == 42)
    }

    @Test(arguments: ["ftp://example.com/x", "file:///etc/passwd", "http://", "example.com/x", "not a url", ""])
    func aURLThatIsNotHTTPIsAnInvalidArgumentNamingIt(url: String) async throws {
        let error = try await #require(throws: CallError.self) { try await HTTP.get(url, argument: "url") }
        #expect(error.code == .invalidArgument)
        #expect(error.field == "url")
        #expect(error.message == "expected an http or https URL, got \"\(url)\"")
        #expect(!error.isTransient, "Retry must not try a bad URL again")
        let unnamed = try await #require(throws: CallError.self) { try await HTTP.get(url) }
        #expect(unnamed.code == .invalidArgument && unnamed.field == nil)
    }

    @Test func anErrorStatusIsAnHTTPErrorWithTheAnswer() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let url = server.url("/nope")
        let error = try await #require(throws: HTTPError.self) { try await HTTP.get(url) }
        #expect(error.kind == .status(404))
        #expect(error.status == 404)
        #expect(error.response?.text == "no route for /nope\n")
        #expect(error.description == "HTTP 404 from \(url)")
        #expect(!error.isTransient)
    }

    @Test(arguments: [(500, true), (502, true), (503, true), (429, true), (400, false), (403, false), (404, false)])
    func fiveHundredsAnd429AreTransient(status: Int, transient: Bool) async throws {
        let server = try LoopbackHTTPServer(routes: ["/s": .always(.status(status))])
        defer { server.stop() }
        let error = try await #require(throws: HTTPError.self) { try await HTTP.get(server.url("/s")) }
        #expect(error.kind == .status(status))
        #expect(error.isTransient == transient)
    }

    @Test func aRefusedConnectionIsATransientHTTPError() async throws {
        let server = try LoopbackHTTPServer()
        let url = server.url("/gone")
        server.stop()   // the port is closed: connecting is refused
        let error = try await #require(throws: HTTPError.self) { try await HTTP.get(url) }
        #expect(error.kind == .connection("cannot connect to the host"), "\(error)")
        #expect(error.status == nil && error.response == nil)
        #expect(error.isTransient)
        #expect(error.description == "GET \(url): cannot connect to the host")
    }

    @Test func aBodyThatIsNotJSONOrNotTheTypeSaysSo() async throws {
        let server = try LoopbackHTTPServer(routes: ["/text": .always(.text("hi")), "/json": .always(.json(#"{"answer":"many"}"#))])
        defer { server.stop() }
        let text = try await HTTP.get(server.url("/text"))
        #expect(text.text == "hi")
        let notJSON = try #require(throws: HTTPError.self) { try text.json() }
        guard case .body(let reason) = notJSON.kind else { Issue.record("\(notJSON.kind)"); return }
        #expect(reason.hasPrefix("the body is not JSON: "))
        #expect(!notJSON.isTransient)

        struct Answer: Decodable { var answer: Int }
        let wrongType = try await #require(throws: HTTPError.self) { try await HTTP.get(server.url("/json")).decode(as: Answer.self) }
        #expect(wrongType.description == "GET \(server.url("/json")): the body does not decode as Answer: field 'answer' must be an integer, got \"many\"")
    }

    // MARK: - With Retry

    @Test func retryTriesA503AgainUntilTheServerAnswers() async throws {
        let server = try LoopbackHTTPServer(routes: ["/flaky": .failing(first: 2, then: .json(#"{"ok":true}"#))])
        defer { server.stop() }
        let data = try await Retry(attempts: 3, backoff: .none).run { try await HTTP.get(server.url("/flaky")).json() }
        #expect(data == ["ok": true])
        #expect(server.requestCount(for: "/flaky") == 3)
    }

    @Test func retryDoesNotTryA404OrABadURLAgain() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let notFound = try await #require(throws: HTTPError.self) {
            try await Retry(attempts: 3, backoff: .none).run { try await HTTP.get(server.url("/nope")) }
        }
        #expect(notFound.status == 404, "rethrown as it is, not wrapped in a RetryError")
        #expect(server.requestCount(for: "/nope") == 1)
        let badURL = try await #require(throws: CallError.self) {
            try await Retry(attempts: 3, backoff: .none).run { try await HTTP.get("ftp://x", argument: "url") }
        }
        #expect(badURL.field == "url")
    }

    @Test func retryGivesUpRatherThanWaitPastTheDeadline() async throws {
        let server = try LoopbackHTTPServer(routes: ["/down": .always(.status(503))])
        defer { server.stop() }
        let error = try await #require(throws: RetryError.self) {
            try await CallDeadline.$bound.withValue(.now + .seconds(30)) {
                try await Retry(attempts: 3, backoff: .constant(.seconds(3600))).run { try await HTTP.get(server.url("/down")) }
            }
        }
        #expect(error.attempts == 1)
        guard case .deadline(let wait, _) = error.stop else { Issue.record("stopped for \(error.stop)"); return }
        #expect(wait == .seconds(3600))
        #expect((error.lastError as? HTTPError)?.status == 503)
        #expect(server.requestCount(for: "/down") == 1)
    }

    // MARK: - Deadline and cancellation

    @Test func theDeadlineEndsTheWaitForAnAnswer() async throws {
        let silent = try SilentListener()
        defer { silent.stop() }
        let url = silent.url("/slow")
        let error = try await #require(throws: CallError.self) {
            try await CallDeadline.$bound.withValue(.now + .milliseconds(200)) { try await HTTP.get(url) }
        }
        #expect(error.code == .timeout)
        #expect(error.message == "GET \(url): no answer before the call's deadline")
    }

    @Test func aPassedDeadlineSendsNothing() async throws {
        let silent = try SilentListener()
        defer { silent.stop() }
        let error = try await #require(throws: CallError.self) {
            try await CallDeadline.$bound.withValue(.now - .seconds(1)) { try await HTTP.get(silent.url("/")) }
        }
        #expect(error.code == .timeout)
        #expect(await !silent.connected(within: .zero))
    }

    @Test func cancelingTheTaskAbandonsTheRequestInFlight() async throws {
        let silent = try SilentListener()
        defer { silent.stop() }
        let url = silent.url("/slow")
        let fetch = Task { try await HTTP.get(url) }
        #expect(await silent.connected(), "the request never reached the listener")
        fetch.cancel()
        await #expect(throws: CancellationError.self) { try await fetch.value }
    }

    @Test func aCanceledTaskSendsNothing() async throws {
        let silent = try SilentListener()
        defer { silent.stop() }
        let url = silent.url("/")
        let fetch = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await HTTP.get(url)
        }
        await #expect(throws: CancellationError.self) { try await fetch.value }
        #expect(await !silent.connected(within: .zero))
    }
}
