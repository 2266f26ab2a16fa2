import NekoPlugin

/// What a server answered with a 2xx status: the status, the headers and
/// the body, read whole.
///
/// ```swift
/// let page = try await HTTP.get(request.url, argument: "url")
/// let data = try page.json()                      // the body as JSON
/// let user = try page.decode(as: User.self)       // or as a Decodable type
/// ```
public struct HTTPResponse: Sendable {
    /// The URL asked for, as given, eg `"https://example.com/users/1"`.
    public let url: String
    /// The status code, eg `200`.
    public let status: Int
    /// The headers, by name in lower case, eg `headers["content-type"]`.
    public let headers: [String: String]
    /// The body, as it came.
    public let body: [UInt8]

    /// Makes a response from its parts; header names are lowered.
    public init(url: String, status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.url = url
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }) { _, last in last }
        self.body = body
    }

    /// The body as UTF-8 text (invalid bytes become U+FFFD).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON, as Python's `response.json()`.
    ///
    /// - Throws: an ``HTTPError`` of kind `.body` (not transient) that says
    ///   where the body stops being JSON.
    public func json() throws(HTTPError) -> JSON {
        do {
            return try JSON.parse(body)
        } catch {
            throw HTTPError(.body("the body is not JSON: \(error)"), url: url, response: self)
        }
    }

    /// The body decoded from JSON as `Value`, eg `try page.decode(as: User.self)`.
    ///
    /// - Throws: an ``HTTPError`` of kind `.body` (not transient) naming the
    ///   field at fault.
    public func decode<Value: Decodable>(as type: Value.Type = Value.self) throws(HTTPError) -> Value {
        do {
            return try NekoJSONDecoder().decode(Value.self, from: json())
        } catch let error as HTTPError {
            throw error
        } catch {
            let problem = (error as? DecodingError).map { ArgumentError($0, naming: "field").message } ?? "\(error)"
            throw HTTPError(.body("the body does not decode as \(Value.self): \(problem)"), url: url, response: self)
        }
    }
}
