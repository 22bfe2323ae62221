import Foundation
import Testing

/// The repository root, for the helper scripts the tests run.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `gover` binary under test: `GOVER_BIN`, else the one built beside this test bundle.
let goverBinary: String = {
    if let explicit = ProcessInfo.processInfo.environment["GOVER_BIN"] { return explicit }
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gover").path
    if FileManager.default.isExecutableFile(atPath: beside) { return beside }
    return packageRoot.appendingPathComponent(".build/debug/gover").path
}()

struct CommandResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var killedBySignal = false

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// A started `gover` process, for tests that kill it or run several at once.
final class RunningCommand {
    let process: Process
    private let stdoutPath: String
    private let stderrPath: String

    init(process: Process, stdoutPath: String, stderrPath: String) {
        self.process = process
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    func wait() -> CommandResult {
        process.waitUntilExit()
        let out = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return CommandResult(status: process.terminationStatus, stdout: out, stderr: err,
                             killedBySignal: process.terminationReason == .uncaughtSignal)
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// What the process has written to stderr so far (it may still be running).
    func stderrSoFar() -> String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }
}

/// A throw-away world for one test: a temporary directory with a store, a HOME, and a
/// loopback mirror serving the archives and index the test publishes.
final class Sandbox {
    let directory: String
    let mirrorDirectory: String
    private var releases: [String: [[String: Any]]] = [:]
    private var stableFlags: [String: Bool] = [:]
    private(set) lazy var server = MirrorServer(directory: mirrorDirectory)

    var root: String { directory + "/store" }
    var home: String { directory + "/home" }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "gover-test-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else { throw POSIXError(.EIO) }
        directory = String(cString: template)
        mirrorDirectory = directory + "/mirror"
        try FileManager.default.createDirectory(atPath: mirrorDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try writeIndex()
    }

    deinit {
        server.stop()
        // Trees may be read-only (a test of exactly that); make them writable, then delete.
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+w", directory]).waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var mirrorURL: String { "http://127.0.0.1:\(server.port)/" }

    /// Base environment of every gover run: nothing from the developer's own setup leaks in.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = [
            "GOVER_ROOT": root,
            "GOVER_MIRROR": mirrorURL,
            "HOME": home,
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            // Retries stay on (they are under test) but wait milliseconds, not seconds.
            "GOVER_RETRY_DELAY": "0.05",
        ]
        // `GOVER_INFLATE=zlib|isal swift test ...` runs every install through that inflater.
        if let inflater = ProcessInfo.processInfo.environment["GOVER_INFLATE"] { env["GOVER_INFLATE"] = inflater }
        env.merge(extra) { $1 }
        return env
    }

    /// Starts gover; `launcher` (a program and its arguments, e.g. `setpriv … --`) runs it.
    func start(_ arguments: [String], env: [String: String] = [:], directory cwd: String? = nil,
               launcher: [String] = []) throws -> RunningCommand {
        let process = Process()
        let command = launcher + [goverBinary] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = environment(env)
        process.currentDirectoryURL = URL(fileURLWithPath: cwd ?? directory)
        let id = UUID().uuidString
        let out = directory + "/.out-\(id)"
        let err = directory + "/.err-\(id)"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningCommand(process: process, stdoutPath: out, stderrPath: err)
    }

    @discardableResult
    func gover(_ arguments: String..., env: [String: String] = [:]) throws -> CommandResult {
        try start(arguments, env: env).wait()
    }

    // MARK: Publishing releases on the mirror

    struct Published {
        var filename: String
        var sha256: String
        var size: Int
        var path: String
    }

    /// A synthetic toolchain: `bin/go` is a script answering `go version` like the real one,
    /// plus `filler` bytes of incompressible data so transfers take measurable time.
    static func toolchainEntries(_ version: String, filler: Int = 0) -> [[String: Any]] {
        var entries: [[String: Any]] = [
            ["name": "go/", "type": "dir"],
            ["name": "go/bin/", "type": "dir"],
            ["name": "go/bin/go", "mode": 0o755,
             "data": "#!/bin/sh\necho \"go version \(version) linux/amd64\"\n"],
            ["name": "go/bin/gofmt", "mode": 0o755, "data": "#!/bin/sh\nexit 0\n"],
            ["name": "go/VERSION", "data": "\(version)\ntime 2024-01-01T00:00:00Z\n"],
        ]
        if filler > 0 {
            var bytes = [UInt8](repeating: 0, count: filler / 2)
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
            entries.append(["name": "go/pkg/filler.hex", "data": bytes.map { String(format: "%02x", $0) }.joined()])
        }
        return entries
    }

    /// Builds an archive from entries (see scripts/make-test-archive), places it on the
    /// mirror and lists it in the index. `indexSHA256`/`indexSize` let a test lie.
    @discardableResult
    func publish(_ version: String, entries: [[String: Any]]? = nil, archiveOptions: [String: Any] = [:],
                 stable: Bool? = nil, platform: String = "linux-amd64", onMirror: Bool = true,
                 indexSHA256: String? = nil, indexSize: Int? = nil) throws -> Published {
        let filename = "\(version).\(platform).tar.gz"
        let path = mirrorDirectory + "/" + filename
        var spec = archiveOptions
        spec["entries"] = entries ?? Self.toolchainEntries(version)
        try runScript("make-test-archive", [path], input: try JSONSerialization.data(withJSONObject: spec))
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let digest = sha256Hex(of: path)
        if !onMirror { try FileManager.default.removeItem(atPath: path) }
        let parts = platform.split(separator: "-")
        releases[version, default: []].append([
            "filename": filename, "os": String(parts[0]), "arch": String(parts[1]), "version": version,
            "sha256": indexSHA256 ?? digest, "size": indexSize ?? data.count, "kind": "archive",
        ])
        stableFlags[version] = stable ?? !(version.contains("rc") || version.contains("beta"))
        try writeIndex()
        return Published(filename: filename, sha256: digest, size: data.count, path: path)
    }

    /// Puts a prepared archive (the real Go toolchain) on the mirror and in the index.
    func publishFile(at source: String, version: String, sha256: String, size: Int) throws {
        let filename = (source as NSString).lastPathComponent
        let destination = mirrorDirectory + "/" + filename
        try? FileManager.default.removeItem(atPath: destination)
        try FileManager.default.createSymbolicLink(atPath: destination, withDestinationPath: source)
        releases[version, default: []].append([
            "filename": filename, "os": "linux", "arch": "amd64", "version": version,
            "sha256": sha256, "size": size, "kind": "archive",
        ])
        stableFlags[version] = true
        try writeIndex()
    }

    private func writeIndex() throws {
        let entries = releases.keys.sorted { a, b in
            // Newest first, like go.dev; the test versions are simple enough for this.
            a.compare(b, options: .numeric) == .orderedDescending
        }.map { version -> [String: Any] in
            ["version": version, "stable": stableFlags[version] ?? true, "files": releases[version] ?? []]
        }
        let data = try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted])
        try data.write(to: URL(fileURLWithPath: mirrorDirectory + "/index.json"))
    }

    // MARK: Observing the store

    /// Every path in the store with its kind (and link target), except the lock file, the
    /// index cache and the (required empty) staging area: what a user can see.
    func storeSnapshot() -> [String] {
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(atPath: root) else { return [] }
        var result: [String] = []
        while let path = enumerator.nextObject() as? String {
            if path == ".lock" || path == "cache" || path.hasPrefix("cache/") { continue }
            if path == ".staging" || path.hasPrefix(".staging/") { continue }
            let full = root + "/" + path
            if let target = try? fm.destinationOfSymbolicLink(atPath: full) {
                result.append("\(path) -> \(target)")
            } else {
                result.append(path)
            }
        }
        return result.sorted()
    }

    func stagingEntries() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: root + "/.staging")) ?? []
    }

    /// Runs `body` while another thread resolves `current/bin/go` in a tight loop, as a
    /// shell starting `go` would; returns how many times it was missing.
    func countingMissesOfCurrentGo(_ body: () throws -> Void) rethrows -> Int {
        let path = root + "/current/bin/go"
        let misses = Locked(0)
        let stop = Locked(false)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            while !stop.value {
                if access(path, X_OK) != 0 { misses.update { $0 += 1 } }
            }
            finished.signal()
        }.start()
        defer {
            stop.update { $0 = true }
            finished.wait()
        }
        try body()
        return misses.value
    }

    /// Runs the active `go` the way a user's shell would: through `current/bin`.
    func currentGoVersion() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: root + "/current/bin/go")
        process.arguments = ["version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }
}

/// Runs one of the repository's scripts, failing the test with its stderr if it fails.
@discardableResult
func runScript(_ name: String, _ arguments: [String], input: Data? = nil) throws -> Data {
    let process = Process()
    process.executableURL = packageRoot.appendingPathComponent("scripts/" + name)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    let inPipe = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(input) }
    try inPipe.fileHandleForWriting.close()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ScriptFailure(message: "\(name) failed: \(String(decoding: errors, as: UTF8.self))")
    }
    return output
}

struct ScriptFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

func sha256Hex(of path: String) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try? process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return String(output.prefix(64))
}
