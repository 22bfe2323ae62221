import Foundation
import Testing

/// Disk full, file-size limits and many processes at once: the store stays consistent.
@Suite("filesystem faults and concurrent commands", .serialized)
struct FilesystemTests {
    static let canMount: Bool = {
        guard getuid() == 0 else { return false }
        let probe = NSTemporaryDirectory() + "gover-mount-probe-\(getpid())"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]) == 0 else { return false }
        _ = run("/bin/umount", [probe])
        return true
    }()

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("disk full mid-extraction (a 1 MB tmpfs store): exit 7, staging removed, store unchanged",
          .enabled(if: canMount, "needs root and mount(8) to make a size-limited tmpfs"))
    func diskFull() throws {
        let sandbox = try Sandbox()
        try FileManager.default.createDirectory(atPath: sandbox.root, withIntermediateDirectories: true)
        try #require(Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", sandbox.root]) == 0)
        defer { Self.run("/bin/umount", ["-l", sandbox.root]) }
        try sandbox.publish("go1.21.13")
        try #require(try sandbox.gover("install", "1.21").status == 0)
        let before = sandbox.storeSnapshot()
        let published = try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 1_500_000))

        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 7, "\(result)")
        #expect(result.stderr.contains("No space left on device (disk full: free some space and retry)"), "\(result)")
        FailureTests.expectUnchanged(sandbox, before)
        FaultTable.record("disk full (1 MB tmpfs)", result, store: "unchanged",
                          bytes: sandbox.server.bytesSent(of: published.filename), of: published.size)
    }

    @Test("a file-size limit (RLIMIT_FSIZE): EFBIG, not a SIGXFSZ death; exit 7, store unchanged")
    func fileSizeLimit() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let published = try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 1_000_000))
        // `ulimit -f` in a shell that then execs gover: the limit is inherited; no user input
        // reaches the shell, only fixed words and argv.
        let result = try sandbox.start(["install", "1.22.5"],
                                       launcher: ["/bin/sh", "-c", "ulimit -f 400 && exec \"$0\" \"$@\""]).wait()
        #expect(!result.killedBySignal, "\(result)")
        #expect(result.status == 7, "\(result)")
        #expect(result.stderr.contains("File too large"), "\(result)")
        FailureTests.expectUnchanged(sandbox, before)
        FaultTable.record("file-size limit (ulimit -f 200 kB)", result, store: "unchanged",
                          bytes: sandbox.server.bytesSent(of: published.filename), of: published.size)
    }

    @Test("install, use and uninstall from many processes at once: serialised, current never broken")
    func manyProcesses() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.20.14")
        try sandbox.publish("go1.21.13")
        try #require(try sandbox.gover("install", "1.20", "1.21").status == 0)
        let env = try ConcurrencyTests.slowMirror(sandbox)

        var commands: [([String], Set<Int32>)] = [
            (["install", "1.22.5"], [0]),
            (["install", "1.22.5"], [0]),
            (["uninstall", "1.20"], [0, 1]),   // 1: it was the active version at that moment
        ]
        for i in 0..<6 { commands.append((["use", i % 2 == 0 ? "1.20" : "1.21"], [0, 3])) }
        var results: [CommandResult] = []
        let misses = try sandbox.countingMissesOfCurrentGo {
            let running = try commands.map { try sandbox.start($0.0, env: env) }
            results = running.map { $0.wait() }
        }

        for (result, command) in zip(results, commands) {
            #expect(command.1.contains(result.status), "\(command.0): \(result)")
        }
        #expect(misses == 0, "current/bin/go was missing \(misses) times")
        #expect(sandbox.server.requests(of: "go1.22.5.linux-amd64.tar.gz").count == 1)
        #expect(sandbox.stagingEntries().isEmpty)
        for version in try sandbox.gover("list").stdout.split(separator: "\n") {
            let name = version.dropFirst(2)
            #expect(FileManager.default.isExecutableFile(atPath: sandbox.root + "/\(name)/bin/go"), "\(name) incomplete")
        }
        #expect(sandbox.currentGoVersion() != nil)
    }
}

@Suite("a store used by a user who owns it but not its read-only trees' bits")
struct NonRootTests {
    static let canDropPrivileges = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    @Test("uninstall and --force move read-only (0555) version directories as a non-root owner",
          .enabled(if: canDropPrivileges, "needs root to run gover as another user (setpriv)"))
    func readOnlyTreesAsOwner() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.21", "1.22", "--use").status == 0)
        // Hand the store to `nobody`, and make the trees read-only as Go's module cache is.
        chmod(sandbox.directory, 0o755)
        try #require(FilesystemTests.run("/bin/chown", ["-R", "65534:65534", sandbox.root]) == 0)
        for tree in ["go1.21.13", "go1.22.5"] {
            chmod(sandbox.root + "/\(tree)/bin", 0o555)
            chmod(sandbox.root + "/\(tree)", 0o555)
        }

        func asNobody(_ arguments: [String]) throws -> CommandResult {
            try sandbox.start(arguments, env: ["HOME": "/nonexistent"],
                              launcher: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]).wait()
        }

        let removed = try asNobody(["uninstall", "1.21.13"])
        #expect(removed.status == 0, "\(removed)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/go1.21.13"))
        let reinstalled = try asNobody(["install", "--force", "1.22.5"])
        #expect(reinstalled.status == 0, "\(reinstalled)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
        #expect(sandbox.stagingEntries().isEmpty)
    }
}
