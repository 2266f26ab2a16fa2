import Foundation
import FoundationNetworking
import NekoPlugin

/// HTTP for plugins, as Python's `requests.get(url)` then
/// `raise_for_status()`: one call that checks the URL, fetches it, and
/// throws for anything but a 2xx answer.
///
/// ```swift
/// import NekoHTTP   // brings NekoPlugin too
///
/// func fetch(_ request: Request) async throws -> [String: JSON] {
///     ["data": try await HTTP.get(request.url, argument: "url").json()]
/// }
/// ```
///
/// - A URL that is not `http` or `https` fails with `invalid_argument`
///   on `argument`, before anything is sent.
/// - A status outside 200...299 throws an ``HTTPError`` carrying the status
///   and the answer; 5xx, 429 and failed connections are transient (a
///   ``Retry`` around the call tries them again, and not a 404).
/// - The wait ends at the call's deadline (``CallDeadline/current``) with a
///   `timeout` error, and at once when the task is canceled, with
///   `CancellationError` (the request is abandoned).
///
/// It uses `URLSession.shared` (libcurl), in a module of its own: a plugin
/// that does not import NekoHTTP does not link FoundationNetworking.
public enum HTTP {
    /// GETs `url` and returns the answer, when its status is 2xx.
    ///
    /// - Parameters:
    ///   - url: an `http` or `https` URL, eg `"https://example.com/data.json"`.
    ///   - argument: the entry's argument the URL came from, eg `"url"`: a
    ///     bad URL is then refused as `invalid_argument` on that argument.
    ///   - headers: request headers, eg `["Accept": "application/json"]`.
    /// - Throws: `CallError` `invalid_argument` for a bad URL; ``HTTPError``
    ///   for a status that is not 2xx or a failed connection; `CallError`
    ///   `timeout` when the call's deadline passes first; `CancellationError`.
    public static func get(_ url: String, argument: String? = nil, headers: [String: String] = [:]) async throws -> HTTPResponse {
        var request = URLRequest(url: try checked(url, argument: argument))
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request, url: url)
    }

    /// `text` as a URL, if it is an http or https URL with a host.
    static func checked(_ text: String, argument: String?) throws(CallError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty else {
            let message = "expected an http or https URL, got \"\(text)\""
            throw argument.map { CallError.invalidArgument($0, message) } ?? CallError(.invalidArgument, message)
        }
        return url
    }

    /// Sends `request` and waits for the whole answer, until the deadline
    /// or a cancellation.
    static func send(_ request: URLRequest, url: String) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let deadline = CallDeadline.current
        if let deadline, deadline <= .now {
            throw CallError(.timeout, "GET \(url): the call's deadline passed before the request was sent")
        }
        let exchange = Exchange()
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>) in
                let task = URLSession.shared.dataTask(with: request) { data, response, error in
                    continuation.resume(returning: Result { () throws(HTTPError) in
                        if let error { throw HTTPError(failure: error, url: url) }
                        guard let response = response as? HTTPURLResponse else {
                            throw HTTPError(.connection("the server's answer is not HTTP"), url: url)
                        }
                        let headers = response.allHeaderFields.reduce(into: [String: String]()) { headers, field in
                            if let name = field.key as? String, let value = field.value as? String { headers[name] = value }
                        }
                        return HTTPResponse(url: url, status: response.statusCode, headers: headers, body: Array(data ?? Data()))
                    })
                }
                exchange.start(task, deadline: deadline)
            }
        } onCancel: {
            exchange.stop(.canceled)
        }
        exchange.finish()
        switch outcome {
        case .success(let response):
            guard (200..<300).contains(response.status) else { throw HTTPError(.status(response.status), url: url, response: response) }
            return response
        case .failure(let error):
            switch exchange.stopped {
            case .canceled?: throw CancellationError()
            case .deadline?: throw CallError(.timeout, "GET \(url): no answer before the call's deadline")
            case nil: throw error
            }
        }
    }
}

/// One request in flight, which a cancellation or the deadline stops.
private final class Exchange: Sendable {
    /// Why the request was stopped.
    enum Stop: Sendable { case canceled, deadline }

    /// A data task: `@unchecked Sendable`, as `URLSessionTask`'s `resume`
    /// and `cancel` may be called from any thread (Foundation's contract),
    /// and nothing else is used.
    private struct Handle: @unchecked Sendable {
        let task: URLSessionDataTask
    }

    private struct State {
        var task: Handle?
        var stop: Stop?
        var timer: Task<Void, Never>?
        var finished = false
    }
    private let state = Mutex(State())

    /// Why the request was stopped before it finished, if it was.
    var stopped: Stop? { state.withLock { $0.stop } }

    /// Starts `task`, and a timer that stops it at `deadline`; stops it at
    /// once if the task was canceled before it started.
    func start(_ task: URLSessionDataTask, deadline: ContinuousClock.Instant?) {
        let timer = deadline.map { deadline in
            Task { [self] in
                guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }   // canceled: finished first
                stop(.deadline)
            }
        }
        let stoppedEarly = state.withLock { state in
            state.task = Handle(task: task)
            state.timer = timer
            return state.stop != nil
        }
        task.resume()
        if stoppedEarly { task.cancel() }
    }

    /// Cancels the request for `reason`, unless it finished.
    func stop(_ reason: Stop) {
        let handle = state.withLock { state -> Handle? in
            guard !state.finished, state.stop == nil else { return nil }
            state.stop = reason
            return state.task
        }
        handle?.task.cancel()
    }

    /// The request finished: later stops do nothing, and the timer is dropped.
    func finish() {
        state.withLock { state in
            state.finished = true
            return state.timer
        }?.cancel()
    }
}
