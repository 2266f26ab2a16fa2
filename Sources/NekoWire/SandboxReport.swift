/// The payload of `sandbox`: what a sandboxed worker's kernel enforces, sent
/// once before `hello`. The host keeps it for `status` and `info`.
package struct SandboxReport: Sendable, Equatable {
    /// The Landlock ABI in force (1, 2, ...), 0: no Landlock (files are not confined).
    package var landlockABI: UInt32
    /// Whether Landlock confines TCP bind and connect to the declared ports (ABI 4 and later).
    package var landlockNetwork: Bool
    /// Whether the seccomp filter is loaded (deny list, and exec when `exec = false`).
    package var seccomp: Bool
    /// Whether the worker runs in an empty network namespace (`network = "none"`).
    package var networkNamespace: Bool
    /// Each permission the kernel could not enforce, and why, eg
    /// `files: Landlock is not available (Function not implemented)`.
    package var problems: [String]

    /// Makes a report.
    package init(landlockABI: UInt32, landlockNetwork: Bool, seccomp: Bool, networkNamespace: Bool, problems: [String]) {
        self.landlockABI = landlockABI
        self.landlockNetwork = landlockNetwork
        self.seccomp = seccomp
        self.networkNamespace = networkNamespace
        self.problems = problems
    }

    /// The `sandbox` frame.
    package func frame() -> [UInt8] {
        var writer = WireWriter(.sandbox, id: 0)
        writer.append(landlockABI)
        writer.append(UInt8((landlockNetwork ? 1 : 0) | (seccomp ? 2 : 0) | (networkNamespace ? 4 : 0)))
        writer.append(UInt32(problems.count))
        for problem in problems { writer.append(problem) }
        return writer.finish()
    }

    /// Decodes a `sandbox` payload.
    package init(decoding payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        landlockABI = try reader.uint32("sandbox.landlock_abi")
        let flags = try reader.byte("sandbox.flags")
        landlockNetwork = flags & 1 != 0
        seccomp = flags & 2 != 0
        networkNamespace = flags & 4 != 0
        let count = try reader.uint32("sandbox.problem_count")
        guard count <= 64 else { throw .malformed("sandbox.problem_count \(count) is more than 64") }
        problems = []
        for _ in 0..<count { problems.append(try reader.requiredString("sandbox.problem")) }
        try reader.expectEnd("sandbox")
    }
}
