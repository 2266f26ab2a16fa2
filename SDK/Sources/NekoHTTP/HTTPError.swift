import Foundation
import FoundationNetworking
import NekoPlugin

/// Why an ``HTTP`` request failed: the server answered with a status that
/// is not 2xx, no answer came, or the body is not what was asked for.
///
/// An entry that throws it fails with `execution_failed` and its
/// description, eg `HTTP 404 from https://example.com/x`. It is a
/// ``TransientError``: a 5xx or 429 status and a failed connection are
/// transient, so a ``Retry`` tries them again and not a 404.
public struct HTTPError: TransientError, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The server answered with this status, outside 200...299, eg `503`.
        case status(Int)
        /// No answer came: the connection failed, eg `"cannot connect to the host"`.
        case connection(String)
        /// The answer's body is not what was asked for, eg `"the body is not JSON: ..."`.
        case body(String)
    }

    /// What went wrong.
    public let kind: Kind
    /// The URL asked for, as given.
    public let url: String
    /// The server's answer, when there was one (for `.status` and `.body`):
    /// its headers and body, eg a JSON error the server sent with its 4xx.
    public let response: HTTPResponse?
    /// Whether trying again may help: HTTP 5xx and 429, and a connection
    /// that failed for a reason that can pass (refused, reset, timed out,
    /// DNS); never for another status or a body.
    public let isTransient: Bool

    /// Makes an error; whether it is transient follows from `kind` unless
    /// `isTransient` says otherwise.
    public init(_ kind: Kind, url: String, response: HTTPResponse? = nil, isTransient: Bool? = nil) {
        self.kind = kind
        self.url = url
        self.response = response
        self.isTransient = isTransient ?? {
            switch kind {
            case .status(let status): status >= 500 || status == 429
            case .connection: true
            case .body: false
            }
        }()
    }

    /// The status the server answered with, eg `404`; nil when none came.
    public var status: Int? { response?.status }

    /// `HTTP 503 from <url>`, or `GET <url>: <what failed>`.
    public var description: String {
        switch kind {
        case .status(let status): "HTTP \(status) from \(url)"
        case .connection(let reason), .body(let reason): "GET \(url): \(reason)"
        }
    }

    /// The error for a request that `URLSession` failed with `error`.
    init(failure error: any Error, url: String) {
        let code = (error as? URLError)?.code
            ?? ((error as NSError).domain == NSURLErrorDomain ? URLError.Code(rawValue: (error as NSError).code) : nil)
        guard let code, let (reason, transient) = Self.connectionFailures[code] else {
            self.init(.connection("\(error)"), url: url, isTransient: false)
            return
        }
        self.init(.connection(reason), url: url, isTransient: transient)
    }

    /// The failures `URLSession` reports, as said here, and whether another
    /// attempt may get through.
    private static let connectionFailures: [URLError.Code: (String, Bool)] = [
        .cannotConnectToHost: ("cannot connect to the host", true),
        .cannotFindHost: ("cannot find the host", true),
        .dnsLookupFailed: ("the DNS lookup failed", true),
        .networkConnectionLost: ("the connection was lost", true),
        .notConnectedToInternet: ("not connected to a network", true),
        .timedOut: ("no answer in time", true),
        .badServerResponse: ("the server's answer is not HTTP", true),
        .secureConnectionFailed: ("the TLS handshake failed", false),
        .serverCertificateUntrusted: ("the server's certificate is not trusted", false),
        .httpTooManyRedirects: ("too many redirects", false),
        .unsupportedURL: ("the URL is not supported", false),
    ]
}
