// swift-tools-version:6.1
import PackageDescription

/// The example plugins: each builds to `lib<id>.so`, which `make plugins`
/// copies into `plugins/<id>/` beside its `plugin.toml`.
let swiftExamples = ["hello", "async_fetch", "thread_safe", "reliable", "configurable", "persistent", "crashy"]
/// Test fixtures in Swift: builds of one plugin whose state differs, for the
/// reload tests, and a hostile plugin for the sandbox tests
/// (Tests/Fixtures/swift/README.md); each builds to `lib<name>.so`.
let swiftFixtures = ["stateful_v1", "stateful_v2", "stateful_v3", "stateful_v4", "sandbox_probe"]
/// The examples that do HTTP, and so link NekoHTTP besides NekoPlugin.
let httpExamples: Set = ["async_fetch", "reliable"]

/// A module of the plugin SDK, the package in SDK/.
func sdk(_ module: String) -> Target.Dependency { .product(name: module, package: "SDK") }

// Linux only: the only platform that is built and tested (dlopen, epoll-free
// poll(2) waits, Glibc). No `platforms:` entry claims another.
let package = Package(
    name: "Neko",
    products: [
        .library(name: "NekoLoader", targets: ["NekoLoader"]),
        .executable(name: "nekoctl", targets: ["nekoctl"]),
        .executable(name: "neko-worker", targets: ["neko-worker"]),
    ] + swiftExamples.map { .library(name: $0, type: .dynamic, targets: ["Example_\($0)"]) }
      + swiftFixtures.map { .library(name: $0, type: .dynamic, targets: ["Fixture_\($0)"]) },
    dependencies: [
        // The plugin SDK (NekoABI, NekoCore, NekoSQLite, NekoPlugin, NekoHTTP): a package of its own, so
        // that a plugin's build resolves swift-log alone, not the dependencies of the CLI.
        .package(path: "SDK"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // Packages (`nekoctl pack/verify/install`): ZIP archives. Only NekoPackage
        // uses it; the loader and the plugin SDK do not. (Hashes and signatures
        // come from the system's libcrypto: swift-crypto would build BoringSSL.)
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // `nekoctl mcp` (docs/MCP.md): the official Model Context Protocol SDK. Only NekoMCP uses it.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
    ],
    targets: [
        // The frames a host and a plugin's worker process exchange.
        .target(name: "NekoWire", dependencies: [sdk("NekoABI"), sdk("NekoCore")]),
        // The worker process that runs one isolated plugin (`isolation = "process"` or `"sandbox"`).
        // The kernel calls of a sandboxed worker (`isolation = "sandbox"`): Landlock, seccomp
        // (libseccomp: Debian's libseccomp-dev, which `make tools` installs), namespaces.
        .target(name: "CSandbox", linkerSettings: [.linkedLibrary("seccomp")]),
        .executableTarget(name: "neko-worker", dependencies: [sdk("NekoABI"), sdk("NekoCore"), "NekoWire", "CSandbox"]),
        // The system's libcrypto (Debian's libssl-dev): SHA-256 and ed25519.
        .systemLibrary(name: "CLibcrypto"),
        // The host side: discovery, manifests, loading, calling.
        .target(name: "NekoLoader", dependencies: [
            sdk("NekoABI"), sdk("NekoCore"), "NekoWire", "CLibcrypto", "TOMLKit", .product(name: "Logging", package: "swift-log"),
        ]),
        // A long-running host: the control socket (`nekoctl serve`) and the folder watcher (hot reload).
        // Apart from the loader, so that an application embedding plugins links no server.
        .target(name: "NekoServe", dependencies: [
            "NekoLoader", sdk("NekoCore"), .product(name: "Logging", package: "swift-log"),
        ]),
        // Plugin packages: pack, sign, verify, install (`nekoctl pack`, docs/PACKAGES.md). Only nekoctl links it.
        .target(name: "NekoPackage", dependencies: [
            "NekoLoader", sdk("NekoCore"), "CLibcrypto", "ZIPFoundation",
        ]),
        // Not "NekoPackageTests": SwiftPM names the package's own test bundle so.
        .testTarget(name: "PluginPackageTests", dependencies: [
            "NekoPackage", "NekoLoader", "NekoServe", sdk("NekoCore"), "ZIPFoundation",
        ]),
        // `nekoctl mcp`: plugins' entries as Model Context Protocol tools (docs/MCP.md). Only nekoctl links it.
        .target(name: "NekoMCP", dependencies: [
            "NekoLoader", "NekoServe", sdk("NekoCore"), .product(name: "MCP", package: "swift-sdk"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "NekoMCPTests", dependencies: ["NekoMCP", "NekoLoader", "NekoServe", sdk("NekoCore")]),
        .executableTarget(name: "nekoctl", dependencies: [
            "NekoLoader", "NekoServe", "NekoPackage", "NekoMCP", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "neko-bench", dependencies: ["NekoLoader", "NekoServe", sdk("NekoCore"), sdk("NekoSQLite")], path: "Benchmarks/neko-bench"),
        .testTarget(name: "NekoCoreTests", dependencies: [sdk("NekoCore"), "NekoWire"]),
        .testTarget(name: "NekoSQLiteTests", dependencies: [sdk("NekoSQLite")]),
        // Test helpers shared by the test targets: a loopback HTTP server and client.
        .target(name: "NekoTestSupport", path: "Tests/Support"),
        .testTarget(name: "NekoPluginTests", dependencies: [sdk("NekoPlugin"), "NekoTestSupport"]),
        .testTarget(name: "NekoHTTPTests", dependencies: [sdk("NekoHTTP"), "NekoTestSupport"]),
        // The harness, tried on the example plugins, linked into the test. Each example
        // defines the one C symbol a plugin exports; the harness never calls it by name,
        // so the linker may keep any one of them.
        .testTarget(
            name: "NekoPluginTestingTests",
            dependencies: [sdk("NekoPluginTesting"), "NekoTestSupport"] + ["hello", "thread_safe", "reliable", "configurable", "persistent"].map { .target(name: "Example_\($0)") },
            linkerSettings: [.unsafeFlags(["-Xlinker", "--allow-multiple-definition"])]),
        // docs/SDK.md's examples, compiled (and run) here; a test checks that each swift block of the guide is in these files.
        .testTarget(
            name: "SDKDocTests", dependencies: [sdk("NekoPlugin"), sdk("NekoHTTP"), sdk("NekoPluginTesting"), "NekoTestSupport"], path: "Tests/SDKDocExamples",
            linkerSettings: [.unsafeFlags(["-Xlinker", "--allow-multiple-definition"])]),
        .testTarget(name: "NekoLoaderTests", dependencies: [
            "NekoLoader", "NekoServe", sdk("NekoCore"), "NekoTestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
    ] + swiftExamples.map {
        .target(name: "Example_\($0)", dependencies: [sdk(httpExamples.contains($0) ? "NekoHTTP" : "NekoPlugin")], path: "Examples/\($0)", exclude: ["plugin.toml"])
    } + swiftFixtures.map {
        .target(name: "Fixture_\($0)", dependencies: [sdk("NekoPlugin")], path: "Tests/Fixtures/swift/\($0)")
    },
    swiftLanguageModes: [.v6]
)
