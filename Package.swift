// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "gover",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gover", targets: ["gover"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // 4.x uses FoundationEssentials only (3.x pulls in full Foundation and ICU).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // Thin command-line front end: parses arguments, prints, maps errors to exit codes.
        .executableTarget(
            name: "gover",
            dependencies: [
                "GoverCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Everything gover knows: versions, the release index, the store, download, extraction.
        .target(
            name: "GoverCore",
            dependencies: [
                "CCurl",
                "CLibArchive",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .systemLibrary(
            name: "CCurl",
            path: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        .systemLibrary(
            name: "CLibArchive",
            path: "CLibArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"]), .brew(["libarchive"])]
        ),
        .testTarget(
            name: "GoverCoreTests",
            dependencies: ["GoverCore"]
        ),
        // Runs the built `gover` binary against a loopback mirror, as a user would.
        .testTarget(
            name: "GoverCLITests",
            dependencies: ["gover", "GoverCore"]
        ),
    ]
)
