// neko-worker: runs one plugin in a process of its own, for a Neko host
// (`isolation = "process"` in plugin.toml). The host starts it with two
// connected sockets: fd 3, the fast lane (one sync call at a time, run on
// the main thread), and fd 4, the main lane (everything else). See
// docs/ISOLATION.md. It is not meant to be run by hand.
//
//   neko-worker --library PATH --host-name NAME [--spin-us N [--spin-fixed]]
//               [--memory-limit-mib N] [--open-files N]
//               [--sandbox [--network none|loopback|any|ports] [--read PATH]...
//                [--write PATH]... [--exec PATH]... [--connect-port N]... [--require-sandbox]]
#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire

let arguments = WorkerArguments.parse(CommandLine.arguments)
// While the process has one thread: a user namespace cannot be entered later.
let namespaceProblem = arguments.sandbox?.enterNetworkNamespace()
WorkerSetup.closeInheritedDescriptors(keeping: [0, 1, 2, 3, 4])
// The lanes must not leak into a program the plugin runs: it would keep them
// open after this process died, and the host would never see the end.
_ = fcntl(3, F_SETFD, FD_CLOEXEC)
_ = fcntl(4, F_SETFD, FD_CLOEXEC)
let main = FrameChannel(descriptor: 4)
if let problem = WorkerSetup.applyLimits(arguments) {
    try? main.send(RefusedMessage(phase: "open", message: problem).frame())
    _exit(2)
}
if let sandbox = arguments.sandbox {
    // Before dlopen: the library's constructors are plugin code.
    let report = sandbox.apply(library: arguments.library, namespaceProblem: namespaceProblem)
    if sandbox.required, !report.problems.isEmpty {
        let message = "the sandbox cannot be enforced, and it is required: " + report.problems.joined(separator: "; ")
        try? main.send(RefusedMessage(phase: "sandbox", message: message).frame())
        _exit(2)
    }
    do { try main.send(report.frame()) } catch { _exit(0) }
}
let descriptor: UnsafePointer<neko_plugin>
switch PluginImage.register(arguments.library, hostName: arguments.hostName) {
case .success(let found): descriptor = found
case .failure(let failure):
    try? main.send(RefusedMessage(phase: failure.phase, message: failure.message).frame())
    _exit(2)
}
let hello: DescriptorMessage
do {
    hello = try DescriptorMessage(reading: descriptor)
} catch {
    try? main.send(RefusedMessage(phase: "register", message: error.message).frame())
    _exit(2)
}
do {
    try main.send(hello.frame())
} catch {
    _exit(0)
}
let session = WorkerSession(plugin: descriptor, fast: FrameChannel(descriptor: 3), main: main, spin: SpinBudget(cap: .microseconds(arguments.spinMicroseconds), adaptive: !arguments.spinFixed))
session.serve()
