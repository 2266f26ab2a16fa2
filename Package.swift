// swift-tools-version:6.1
import PackageDescription

/// The example plugins: each builds to `lib<id>.so`, which `make plugins`
/// copies into `plugins/<id>/` beside its `plugin.toml`.
let swiftExamples = ["hello", "async_fetch", "thread_safe", "reliable", "configurable", "persistent", "crashy"]
/// Test fixtures in Swift: builds of one plugin whose state differs, for the
/// reload tests (Tests/Fixtures/swift/README.md); each builds to `lib<name>.so`.
let swiftFixtures = ["stateful_v1", "stateful_v2", "stateful_v3", "stateful_v4"]

// Linux only: the only platform that is built and tested (dlopen, epoll-free
// poll(2) waits, Glibc). No `platforms:` entry claims another.
let package = Package(
    name: "Neko",
    products: [
        .library(name: "NekoLoader", targets: ["NekoLoader"]),
        .library(name: "NekoPlugin", targets: ["NekoPlugin"]),
        .executable(name: "nekoctl", targets: ["nekoctl"]),
        .executable(name: "neko-worker", targets: ["neko-worker"]),
    ] + swiftExamples.map { .library(name: $0, type: .dynamic, targets: ["Example_\($0)"]) }
      + swiftFixtures.map { .library(name: $0, type: .dynamic, targets: ["Fixture_\($0)"]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // Packages (`nekoctl pack/verify/install`): ed25519 signatures and ZIP archives.
        // Only NekoPackage uses them; the loader and the plugin SDK link neither.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // The C ABI: the only thing that crosses the `.so` boundary.
        .target(name: "NekoABI"),
        // Swift conveniences shared by both sides of the ABI: JSON, error codes, the build stamp.
        .target(name: "NekoCore", dependencies: ["NekoABI"]),
        // The system SQLite (Debian's libsqlite3-dev), and a thin Swift layer over it.
        .systemLibrary(name: "CSQLite"),
        .target(name: "NekoSQLite", dependencies: ["CSQLite"]),
        // The plugin-side SDK.
        .target(name: "NekoPlugin", dependencies: [
            "NekoABI", "NekoCore", "NekoSQLite", .product(name: "Logging", package: "swift-log"),
        ]),
        // The frames a host and a plugin's worker process exchange.
        .target(name: "NekoWire", dependencies: ["NekoABI", "NekoCore"]),
        // The worker process that runs one isolated plugin (`isolation = "process"`).
        .executableTarget(name: "neko-worker", dependencies: ["NekoABI", "NekoCore", "NekoWire"]),
        // The host side: discovery, manifests, loading, calling.
        .target(name: "NekoLoader", dependencies: [
            "NekoABI", "NekoCore", "NekoWire", "TOMLKit", .product(name: "Logging", package: "swift-log"),
        ]),
        // A long-running host: the control socket (`nekoctl serve`) and the folder watcher (hot reload).
        // Apart from the loader, so that an application embedding plugins links no server.
        .target(name: "NekoServe", dependencies: [
            "NekoLoader", "NekoCore", .product(name: "Logging", package: "swift-log"),
        ]),
        // Plugin packages: pack, sign, verify, install (`nekoctl pack`, docs/PACKAGES.md). Only nekoctl links it.
        .target(name: "NekoPackage", dependencies: [
            "NekoLoader", "NekoCore", .product(name: "Crypto", package: "swift-crypto"), "ZIPFoundation",
        ]),
        // Not "NekoPackageTests": SwiftPM names the package's own test bundle so.
        .testTarget(name: "PluginPackageTests", dependencies: [
            "NekoPackage", "NekoLoader", "NekoServe", "NekoCore", "ZIPFoundation", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "nekoctl", dependencies: [
            "NekoLoader", "NekoServe", "NekoPackage", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "neko-bench", dependencies: ["NekoLoader", "NekoServe", "NekoCore", "NekoSQLite"], path: "Benchmarks/neko-bench"),
        .testTarget(name: "NekoCoreTests", dependencies: ["NekoCore", "NekoWire"]),
        .testTarget(name: "NekoSQLiteTests", dependencies: ["NekoSQLite"]),
        // Test helpers shared by the test targets: a loopback HTTP server and client.
        .target(name: "NekoTestSupport", path: "Tests/Support"),
        .testTarget(name: "NekoPluginTests", dependencies: ["NekoPlugin", "NekoTestSupport"]),
        .testTarget(name: "NekoLoaderTests", dependencies: [
            "NekoLoader", "NekoServe", "NekoCore", "NekoTestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
    ] + swiftExamples.map {
        .target(name: "Example_\($0)", dependencies: ["NekoPlugin"], path: "Examples/\($0)", exclude: ["plugin.toml"])
    } + swiftFixtures.map {
        .target(name: "Fixture_\($0)", dependencies: ["NekoPlugin"], path: "Tests/Fixtures/swift/\($0)")
    },
    swiftLanguageModes: [.v6]
)
