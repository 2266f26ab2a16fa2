import NekoWire

/// What the kernel enforces for a running sandboxed plugin (`isolation =
/// "sandbox"`), as its worker reported it before opening the library.
public struct SandboxStatus: Sendable, Equatable {
    /// The Landlock ABI confining its files, eg 7; 0: none (files are not confined).
    public let landlockABI: Int
    /// Whether Landlock confines its TCP bind and connect to the declared ports (ABI 4 and later).
    public let landlockNetwork: Bool
    /// Whether its seccomp filter is loaded (the deny list, and exec unless allowed).
    public let seccomp: Bool
    /// Whether it runs in an empty network namespace (`network = "none"`).
    public let networkNamespace: Bool
    /// Each declared permission the kernel could not enforce, and why; empty: all of them are.
    public let problems: [String]

    init(_ report: SandboxReport) {
        landlockABI = Int(report.landlockABI)
        landlockNetwork = report.landlockNetwork
        seccomp = report.seccomp
        networkNamespace = report.networkNamespace
        problems = report.problems
    }

    /// One line for people, eg `Landlock ABI 7 (files, TCP ports), seccomp, empty network namespace`.
    public var summary: String {
        var parts: [String] = []
        parts.append(landlockABI > 0 ? "Landlock ABI \(landlockABI) (files\(landlockNetwork ? ", TCP ports" : ""))" : "no Landlock")
        parts.append(seccomp ? "seccomp" : "no seccomp")
        if networkNamespace { parts.append("empty network namespace") }
        return parts.joined(separator: ", ")
    }
}
