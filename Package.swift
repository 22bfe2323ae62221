// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "gover",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gover", targets: ["gover"]),
        // The parsers of outside input under libFuzzer (scripts/fuzz), or replaying a corpus.
        .executable(name: "gover-fuzz", targets: ["GoverFuzz"]),
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
            ],
            cSettings: [
                // Homebrew's libarchive is keg-only: its headers are not on the default path.
                .unsafeFlags(["-I/opt/homebrew/opt/libarchive/include", "-I/usr/local/opt/libarchive/include"],
                             .when(platforms: [.macOS])),
            ],
            swiftSettings: [
                .unsafeFlags(["-Xcc", "-I/opt/homebrew/opt/libarchive/include", "-Xcc", "-I/usr/local/opt/libarchive/include"],
                             .when(platforms: [.macOS])),
            ],
            linkerSettings: [
                // On Linux the shims open libcurl and libarchive with dlopen on first use (see
                // CCurl/shim.h): nothing links them, so start-up does not load their dependency
                // trees (~6 ms). On macOS they are linked as usual.
                .linkedLibrary("curl", .when(platforms: [.macOS])),
                .linkedLibrary("archive", .when(platforms: [.macOS])),
                .unsafeFlags(["-L/opt/homebrew/opt/libarchive/lib", "-L/usr/local/opt/libarchive/lib"],
                             .when(platforms: [.macOS])),
                .linkedLibrary("dl", .when(platforms: [.linux])),
            ]
        ),
        // No `pkgConfig:` on purpose: pkg-config would add -lcurl/-larchive to every link, and
        // on Linux gover opens both lazily instead (DECISIONS.md, 2026-11-29). The headers are
        // on the default include path with Debian's -dev packages.
        .systemLibrary(
            name: "CCurl",
            path: "CCurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        .systemLibrary(
            name: "CLibArchive",
            path: "CLibArchive",
            providers: [.apt(["libarchive-dev", "libisal-dev"]), .brew(["libarchive"])]
        ),
        .executableTarget(
            name: "GoverFuzz",
            dependencies: ["GoverCore"]
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
