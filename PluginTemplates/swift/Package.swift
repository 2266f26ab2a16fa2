// swift-tools-version:6.1
import PackageDescription

// Builds lib__ID__.so, a Neko plugin. `make` puts it beside plugin.toml; `make test` runs its tests.
let package = Package(
    name: "__ID__",
    products: [.library(name: "__ID__", type: .dynamic, targets: ["__TYPE__"])],
    dependencies: [.package(path: "__NEKO_ROOT__")],
    targets: [
        .target(name: "__TYPE__", dependencies: [.product(name: "NekoPlugin", package: "__NEKO_PACKAGE__")], path: "Sources"),
        // The plugin's unit tests: NekoPluginTesting hosts it inside the test, no host needed.
        .testTarget(
            name: "__TYPE__Tests",
            dependencies: ["__TYPE__", .product(name: "NekoPluginTesting", package: "__NEKO_PACKAGE__")], path: "Tests"),
    ],
    swiftLanguageModes: [.v6]
)
