#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
@_spi(Neko) import NekoCore
import NekoLoader

/// How `nekoctl dev` builds a plugin folder: a SwiftPM package (it holds a
/// `Package.swift`) with `swift build` in the host's configuration, or a C
/// plugin with its `Makefile`. Either way the library ends beside
/// `plugin.toml` by a rename, never half-written.
struct DevBuild {
    enum Kind: String {
        case swiftPackage = "SwiftPM"
        case makefile = "make"
    }

    /// The plugin folder, absolute.
    let folder: String
    /// The plugin id: the folder's name (a manifest's id must equal it).
    let id: String
    /// How it builds.
    let kind: Kind
    /// `debug` or `release`: a Swift plugin must be built as the host was.
    let configuration: String
    /// The library's file name in the folder (`[plugin].library`, else `lib<id>.so`).
    let library: String

    /// What one build did.
    struct Outcome {
        /// Whether the library in the folder is the new build.
        let succeeded: Bool
        /// How long it took.
        let duration: Duration
        /// What the build printed (all of it when it failed).
        let output: String
    }

    /// The configuration this nekoctl was built in: the host's, in-process or
    /// in a `nekoctl serve` started from the same build.
    static let hostConfiguration: String = {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }()

    /// The build for `folder`, or why it cannot be built.
    static func make(folder: String, configuration: String) -> Result<DevBuild, DevFailure> {
        let folder = Discovery.absolutePath(folder)
        let files = FileManager.default
        guard case .directory = Discovery.FileStatus.of(folder) else {
            return .failure(DevFailure("\(folder): no such folder"))
        }
        guard files.fileExists(atPath: Discovery.join(folder, "plugin.toml")) else {
            return .failure(DevFailure("\(folder): no plugin.toml here: run 'nekoctl dev' in a plugin folder (one made by 'nekoctl new'), or name one"))
        }
        let kind: Kind
        if files.fileExists(atPath: Discovery.join(folder, "Package.swift")) {
            kind = .swiftPackage
        } else if ["Makefile", "makefile", "GNUmakefile"].contains(where: { files.fileExists(atPath: Discovery.join(folder, $0)) }) {
            kind = .makefile
        } else {
            return .failure(DevFailure("\(folder): nothing to build with: expected a Package.swift (a Swift plugin) or a Makefile (a C plugin) beside plugin.toml"))
        }
        let id = Discovery.lastComponent(folder)
        return .success(DevBuild(folder: folder, id: id, kind: kind, configuration: configuration, library: libraryName(in: folder) ?? "lib\(id).so"))
    }

    /// Builds once and, for a Swift package, puts the product in place.
    func run() -> Outcome {
        let start = ContinuousClock.now
        func outcome(_ succeeded: Bool, _ output: String) -> Outcome {
            Outcome(succeeded: succeeded, duration: ContinuousClock.now - start, output: output)
        }
        switch kind {
        case .makefile:
            switch Subprocess.run("make", ["-C", folder, "--no-print-directory"]) {
            case .failure(let failure): return outcome(false, failure.message)
            case .success(let made): return outcome(made.status == 0, made.output)
            }
        case .swiftPackage:
            let built: Subprocess.Outcome
            switch Subprocess.run("swift", ["build", "--package-path", folder, "-c", configuration, "--product", id]) {
            case .failure(let failure): return outcome(false, failure.message)
            case .success(let ran): built = ran
            }
            guard built.status == 0 else { return outcome(false, built.output) }
            // .build/<configuration> links to the platform's folder.
            let product = "\(folder)/.build/\(configuration)/lib\(id).so"
            if let problem = install(product) { return outcome(false, built.output + problem) }
            return outcome(true, built.output)
        }
    }

    /// Copies the built library beside plugin.toml under a temporary name,
    /// then renames it into place. - Returns: why it failed, or nil.
    private func install(_ product: String) -> String? {
        let target = Discovery.join(folder, library)
        let temporary = "\(target).tmp"
        let files = FileManager.default
        try? files.removeItem(atPath: temporary)
        do { try files.copyItem(atPath: product, toPath: temporary) } catch {
            return "\nerror: cannot copy \(product) to \(temporary): \(error)"
        }
        guard rename(temporary, target) == 0 else {
            return "\nerror: cannot rename \(temporary) to \(target): \(errnoText())"
        }
        return nil
    }

    /// `[plugin].library` read from the folder's plugin.toml, without the
    /// checks of a load (the library may not be built yet).
    private static func libraryName(in folder: String) -> String? {
        guard let text = try? String(contentsOfFile: Discovery.join(folder, "plugin.toml"), encoding: .utf8) else { return nil }
        var table = ""
        for raw in text.split(separator: "\n") {
            let line = trimmed(raw)
            if line.hasPrefix("[") { table = line; continue }
            guard table == "[plugin]", line.hasPrefix("library"), let equals = line.firstIndex(of: "=") else { continue }
            let value = trimmed(line[line.index(after: equals)...])
            guard value.hasPrefix("\""), let end = value.dropFirst().firstIndex(of: "\"") else { return nil }
            return String(value[value.index(after: value.startIndex)..<end])
        }
        return nil
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}

/// Why `nekoctl dev` cannot go on.
struct DevFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
