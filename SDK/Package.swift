// swift-tools-version:6.1
import PackageDescription

/// Neko's plugin SDK: what a plugin links (NekoPlugin, over the ABI, the
/// shared JSON/error layer and the SQLite store; NekoHTTP for a plugin that
/// does HTTP). Its own package, so that a
/// plugin's build resolves swift-log and nothing else: not the CLI's or a
/// server's dependencies (TOMLKit, ArgumentParser). The host (the root
/// package of the Neko checkout) depends on it by path.
let package = Package(
    name: "NekoSDK",
    products: [
        .library(name: "NekoPlugin", targets: ["NekoPlugin"]),
        // HTTP for plugins (URLSession), apart so that a plugin that does no HTTP links no FoundationNetworking.
        .library(name: "NekoHTTP", targets: ["NekoHTTP"]),
        // For a plugin's own tests: hosts the plugin in the test, through its C descriptor.
        .library(name: "NekoPluginTesting", targets: ["NekoPluginTesting"]),
        // For the host side (the root package): the ABI, the shared layer, the store.
        .library(name: "NekoABI", targets: ["NekoABI"]),
        .library(name: "NekoCore", targets: ["NekoCore"]),
        .library(name: "NekoSQLite", targets: ["NekoSQLite"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
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
        // An HTTP client for plugins: checked URLs, statuses as errors, the call's deadline and cancellation.
        .target(name: "NekoHTTP", dependencies: ["NekoPlugin"]),
        // The test harness: hosts a plugin inside a unit test, through its C descriptor.
        .target(name: "NekoPluginTesting", dependencies: [
            "NekoPlugin", "NekoABI", "NekoCore", .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
