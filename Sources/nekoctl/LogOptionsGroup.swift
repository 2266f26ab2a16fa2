import ArgumentParser
import Logging
import NekoServe

/// How a long-running host (`serve`, `dev`) logs: by default loads,
/// reloads (with their duration), failures, crashes, restarts and the
/// plugins' own lines, to standard error.
struct LogOptionsGroup: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Log less: only warnings, errors and the server's start and stop lines.")
    var quiet = false

    @Option(name: .customLong("log-format"), help: ArgumentHelp("How log lines look: text, or json (one JSON object per line).", valueName: "format"))
    var format: LogFormat = .text

    /// The level: info by default, debug with `-v` (also each state
    /// change), notice with `-q`.
    func level(verbose: Bool) -> Logger.Level {
        verbose ? .debug : quiet ? .notice : .info
    }
}

extension LogFormat: ExpressibleByArgument {}
