// swift-tools-version:6.1
import Foundation
import PackageDescription

// Builds lib__ID__.so, a Neko plugin. `make` puts it beside plugin.toml; `make test` runs its tests.
//
// It depends on Neko's plugin SDK (its only dependencies: swift-log and the
// system SQLite), found in this order:
// 1. $NEKO_SDK: the SDK folder, eg /usr/local/share/neko/SDK or a Neko checkout's SDK;
// 2. beside the `nekoctl` on PATH: <prefix>/share/neko/SDK for an installed
//    nekoctl (`make install`), or the SDK of the checkout it was built in.
let sdk = nekoSDK()
/// The SDK package's identity: the name of its folder.
let sdkPackage = URL(fileURLWithPath: sdk).lastPathComponent

let package = Package(
    name: "__ID__",
    products: [.library(name: "__ID__", type: .dynamic, targets: ["__TYPE__"])],
    dependencies: [.package(path: sdk)],
    targets: [
        // A plugin that does HTTP: "NekoHTTP" in place of "NekoPlugin" (docs/SDK.md, "HTTP").
        .target(name: "__TYPE__", dependencies: [.product(name: "NekoPlugin", package: sdkPackage)], path: "Sources"),
        // The plugin's unit tests: NekoPluginTesting hosts it inside the test, no host needed.
        .testTarget(
            name: "__TYPE__Tests",
            dependencies: ["__TYPE__", .product(name: "NekoPluginTesting", package: sdkPackage)], path: "Tests"),
    ],
    swiftLanguageModes: [.v6]
)

/// The SDK folder: $NEKO_SDK, else the one the `nekoctl` on PATH belongs to.
func nekoSDK() -> String {
    let files = FileManager.default
    if let given = ProcessInfo.processInfo.environment["NEKO_SDK"], !given.isEmpty {
        guard files.fileExists(atPath: "\(given)/Package.swift") else {
            fail("NEKO_SDK=\(given): no Package.swift there; expected Neko's SDK folder, eg /usr/local/share/neko/SDK")
        }
        return given
    }
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let nekoctl = URL(fileURLWithPath: "\(folder)/nekoctl")
        guard files.isExecutableFile(atPath: nekoctl.path) else { continue }
        var ancestor = nekoctl.resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in ["share/neko/SDK", "SDK"] where files.fileExists(atPath: ancestor.appendingPathComponent("\(candidate)/Package.swift").path) {
                return ancestor.appendingPathComponent(candidate).path
            }
            ancestor.deleteLastPathComponent()
        }
    }
    fail("Neko's plugin SDK not found: set NEKO_SDK to its folder (<prefix>/share/neko/SDK after `make install`, or a Neko checkout's SDK), or put nekoctl on PATH")
}

/// Ends the manifest with `message` on stderr (SwiftPM shows it), without a backtrace.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}
