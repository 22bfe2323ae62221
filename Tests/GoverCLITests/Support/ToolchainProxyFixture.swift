import Foundation

/// `Tests/Fixtures/toolchain-proxy`: a loopback Go module proxy for golang.org/toolchain plus
/// a checksum database built from the go command's own x/mod code (issue 12). Built once per
/// content of its sources, with a Go toolchain extracted once from the cached go1.23.4
/// tarball, all under `${GOVER_TEST_CACHE:-~/.cache/gover-test}/toolchain-proxy`.
enum ToolchainProxyFixture {
    static let skipReason = "GOVER_SKIP_REAL_TOOLCHAIN is set: the toolchain proxy fixture needs the real Go toolchains (PyPI once)"
    static var isEnabled: Bool { ProcessInfo.processInfo.environment["GOVER_SKIP_REAL_TOOLCHAIN"] == nil }

    static let cacheDirectory: String = {
        let base = ProcessInfo.processInfo.environment["GOVER_TEST_CACHE"]
            ?? NSHomeDirectory() + "/.cache/gover-test"
        return base + "/toolchain-proxy"
    }()

    static let sourceDirectory = packageRoot.appendingPathComponent("Tests/Fixtures/toolchain-proxy").path

    /// GOROOT of the go1.23.4 tree (from the cached go.dev-identical tarball): builds the
    /// fixture, and is the go command the fixture tests run. Extracted once.
    static func goRoot() throws -> String { try extractedGo.get() }

    private static let extractedGo = Result<String, any Error> {
        let target = cacheDirectory + "/go1.23.4"
        if FileManager.default.isExecutableFile(atPath: target + "/go/bin/go") { return target + "/go" }
        let tarball = try EndToEndTests.fetchToolchain("1.23.4.4").path
        // Extracted beside the target and renamed into place: a concurrent test process sees
        // either no tree or a whole one.
        let partial = cacheDirectory + "/go1.23.4.partial-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: partial) }
        try check(runProgram("/usr/bin/tar", ["-xzf", tarball, "-C", partial]), "extracting \(tarball)")
        if rename(partial, target) != 0 && !FileManager.default.isExecutableFile(atPath: target + "/go/bin/go") {
            throw ScriptFailure(message: "cannot move \(partial) to \(target): errno \(errno)")
        }
        return target + "/go"
    }

    /// The built fixture, keyed by the hash of its sources.
    static func executable() throws -> String { try builtFixture.get() }

    private static let builtFixture = Result<String, any Error> {
        let main = sourceDirectory + "/main.go", goMod = sourceDirectory + "/go.mod"
        let key = String(sha256Hex(of: main).prefix(16)) + "-" + String(sha256Hex(of: goMod).prefix(8))
        let binary = cacheDirectory + "/" + key + "/toolchain-proxy"
        if FileManager.default.isExecutableFile(atPath: binary) { return binary }
        let goRoot = try ToolchainProxyFixture.goRoot()
        let build = cacheDirectory + "/build-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: build, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: build) }
        for file in [main, goMod] {
            try FileManager.default.copyItem(atPath: file, toPath: build + "/" + (file as NSString).lastPathComponent)
        }
        // x/mod is importable only from inside cmd: copy Go's vendored copy as a module of
        // its own, which go.mod's replace directive points at.
        try FileManager.default.copyItem(atPath: goRoot + "/src/cmd/vendor/golang.org/x/mod", toPath: build + "/xmod")
        try "module golang.org/x/mod\n\ngo 1.18\n".write(toFile: build + "/xmod/go.mod", atomically: true, encoding: .utf8)
        let result = try runProgram(goRoot + "/bin/go", ["build", "-trimpath", "-o", build + "/toolchain-proxy", "."],
                                    environment: [
                                        "HOME": build, "PATH": "/usr/bin:/bin", "GOTOOLCHAIN": "local", "GOPROXY": "off",
                                        "GOFLAGS": "-mod=mod", "GONOSUMDB": "*", "GONOSUMCHECK": "1", "CGO_ENABLED": "0",
                                        "GOCACHE": cacheDirectory + "/gocache", "GOPATH": cacheDirectory + "/gopath",
                                        "GOTELEMETRY": "off",
                                    ],
                                    directory: build, mergingOutput: true)
        try check(result, "building the toolchain-proxy fixture")
        try FileManager.default.createDirectory(atPath: cacheDirectory + "/" + key, withIntermediateDirectories: true)
        // rename(2) replaces atomically: two racing builds both install a complete binary.
        guard rename(build + "/toolchain-proxy", binary) == 0 else {
            throw ScriptFailure(message: "cannot install \(binary): errno \(errno)")
        }
        return binary
    }

    /// Runs a fixture subcommand; its stdout.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let result = try runProgram(try executable(), arguments, environment: ["PATH": "/usr/bin:/bin"])
        try check(result, "toolchain-proxy \(arguments.first ?? "")")
        return result.stdout
    }

    /// `pack`: writes the module form of a go.dev tarball into a proxy directory, as distpack
    /// would; returns the module version (`v0.0.1-go1.22.10.linux-amd64`).
    @discardableResult
    static func pack(tarball: String, into directory: String, goos: String = "linux", goarch: String = "amd64") throws -> String {
        try run(["pack", "--tarball", tarball, "--out", directory, "--goos", goos, "--goarch", goarch])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A proxy directory holding the packed go1.22.10 toolchain module, packed once for this
    /// version of the fixture (the zip is ~70 MB and takes ~30 s to deflate) and then shared:
    /// servers only read it.
    static func packedGo12210() throws -> (directory: String, version: String) { try packed.get() }

    private static let packed = Result<(directory: String, version: String), any Error> {
        let binary = try executable()
        let target = (binary as NSString).deletingLastPathComponent + "/proxy-go1.22.10"
        let listPath = target + "/golang.org/toolchain/@v/list"
        if let list = try? String(contentsOfFile: listPath, encoding: .utf8) {
            return (target, list.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let tarball = try EndToEndTests.fetchToolchain("1.22.10").path
        let partial = target + ".partial-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: partial) }
        let version = try pack(tarball: tarball, into: partial)
        if rename(partial, target) != 0 && !FileManager.default.fileExists(atPath: listPath) {
            throw ScriptFailure(message: "cannot move \(partial) to \(target): errno \(errno)")
        }
        return (target, version)
    }

    /// One entry of a zip written by `makeZip`, name taken verbatim.
    enum ZipEntry {
        case file(name: String, source: String)
        case data(name: String, text: String)
        /// Unix symlink mode bits in the external attributes, the target as the body.
        case symlink(name: String, target: String)
    }

    /// `zip`: an archive with exactly these entries, in this order (duplicates, `../x`,
    /// `/abs` included). `stored` writes them uncompressed instead of deflated.
    static func makeZip(at path: String, entries: [ZipEntry], stored: Bool = false) throws {
        var arguments = ["zip", "--out", path]
        if stored { arguments.append("--store") }
        for entry in entries {
            switch entry {
            case let .file(name, source): arguments += ["--file", name + "=" + source]
            case let .data(name, text): arguments += ["--data", name + "=" + text]
            case let .symlink(name, target): arguments += ["--symlink", name + "=" + target]
            }
        }
        try run(arguments)
    }

    /// `keygen`: the note key pair derived from `seed` (hex): the same seed, the same keys.
    static func keygen(name: String, seed: String) throws -> (verifierKey: String, signerKey: String) {
        let lines = try run(["keygen", "--name", name, "--seed", seed]).split(separator: "\n").map(String.init)
        guard lines.count == 2 else { throw ScriptFailure(message: "keygen printed \(lines)") }
        return (lines[0], lines[1])
    }

    private static func check(_ result: CommandResult, _ what: String) throws {
        guard result.status == 0 else { throw ScriptFailure(message: "\(what) failed: \(result)") }
    }
}

/// `toolchain-proxy serve`: `directory` as a GOPROXY on 127.0.0.1, and a checksum database
/// named `name` at `/sumdb/<name>/`, its records built from the directory's module zips and
/// signed with the key from `seed`. `options` are the hostile ones (`--wrong-h1 V`,
/// `--sign-seed HEX`, `--corrupt-tile`...; see main.go). Stops when the test drops it or
/// calls `stop()` (stdin closes).
final class ToolchainProxyServer: LoopbackServer {
    let name: String
    let verifierKey: String

    init(directory: String, name: String = "gover.test", seed: String = "01", options: [String] = [],
         logPath: String) throws {
        self.name = name
        verifierKey = try ToolchainProxyFixture.keygen(name: name, seed: seed).verifierKey
        super.init(executable: try ToolchainProxyFixture.executable(),
                   arguments: ["serve", "--dir", directory, "--name", name, "--seed", seed,
                               "--log", logPath, "--exit-on-stdin-eof"] + options,
                   logPath: logPath)
    }

    deinit { stop() }

    var proxyURL: String { "http://127.0.0.1:\(port)" }
    var sumdbURL: String { proxyURL + "/sumdb/" + name }
    /// The GOSUMDB value naming this database with its key and URL.
    var gosumdb: String { verifierKey + " " + sumdbURL }

    struct Request: Equatable {
        var method: String
        var path: String
        var status: Int
    }

    /// Requests served so far, oldest first (log lines "METHOD PATH STATUS").
    func requests() -> [Request] {
        logLines().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 3, let status = Int(fields[2]) else { return nil }
            return Request(method: String(fields[0]), path: String(fields[1]), status: status)
        }
    }
}
