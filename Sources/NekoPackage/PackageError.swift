/// Why a package could not be packed, read, verified or installed: a sentence
/// naming the file, entry or field and what was expected, eg
/// `hello-1.0.0.nekoplugin: entry '../evil': a path that leaves the package`.
public struct PackageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The whole message, ready to print after `error: `.
    public let message: String

    /// Makes an error from its message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
