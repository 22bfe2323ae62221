import Foundation
import Testing

/// Every failure: one clear message, a documented exit status, the store exactly as it
/// was, and the active Go still working.
@Suite("failures leave the store as it was")
struct FailureTests {
    /// A sandbox with go1.21.13 installed and active, and its visible state.
    static func withActiveVersion() throws -> (Sandbox, [String]) {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        let result = try sandbox.gover("install", "1.21")
        try #require(result.status == 0, "\(result)")
        return (sandbox, sandbox.storeSnapshot())
    }

    static func expectUnchanged(_ sandbox: Sandbox, _ before: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sandbox.storeSnapshot() == before, sourceLocation: sourceLocation)
        #expect(sandbox.stagingEntries().isEmpty, "staging left behind", sourceLocation: sourceLocation)
        #expect(sandbox.currentGoVersion() == "go version go1.21.13 linux/amd64", sourceLocation: sourceLocation)
    }

    @Test("checksum mismatch: exit 5, both digests named")
    func checksumMismatch() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        let wrong = String(repeating: "0", count: 64)
        let published = try sandbox.publish("go1.22.5", indexSHA256: wrong)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 5)
        #expect(result.stderr.contains("error: SHA256 mismatch for \(published.filename): expected \(wrong), got \(published.sha256)"), "\(result)")
        Self.expectUnchanged(sandbox, before)
    }

    @Test("a byte corrupted in transit: exit 5")
    func corruptedInTransit() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 200_000))
        let result = try sandbox.gover("install", "1.22.5", env: ["GOVER_MIRROR": sandbox.mirrorURL + "_f/corrupt=5000/"])
        #expect(result.status == 5, "\(result)")
        #expect(result.stderr.contains("SHA256 mismatch"))
        Self.expectUnchanged(sandbox, before)
    }

    @Test("the index declares a smaller size than the server sends: exit 5")
    func oversized() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 100_000), indexSize: 1000)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 5, "\(result)")
        #expect(result.stderr.contains("size mismatch"))
        Self.expectUnchanged(sandbox, before)
    }

    @Test("HTTP 404: exit 4 with the URL")
    func notFoundOnMirror() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        let published = try sandbox.publish("go1.22.5", onMirror: false)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 4)
        #expect(result.stderr.contains("error: \(sandbox.mirrorURL)\(published.filename) answered HTTP 404"), "\(result)")
        Self.expectUnchanged(sandbox, before)
    }

    @Test("HTTP 500: exit 4")
    func serverError() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        try sandbox.publish("go1.22.5")
        // The index comes from the healthy server; only the archive fails.
        let env = ["GOVER_MIRROR": sandbox.mirrorURL + "_f/status=500/",
                   "GOVER_INDEX_URL": sandbox.mirrorURL + "?mode=json&include=all"]
        let result = try sandbox.gover("install", "1.22.5", env: env)
        #expect(result.status == 4)
        #expect(result.stderr.contains("answered HTTP 500"), "\(result)")
        Self.expectUnchanged(sandbox, before)
    }

    @Test("connection cut midway with retries off (GOVER_RETRIES=0): exit 4")
    func connectionCut() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 400_000))
        let env = ["GOVER_MIRROR": sandbox.mirrorURL + "_f/cut=100000/",
                   "GOVER_INDEX_URL": sandbox.mirrorURL + "?mode=json&include=all", "GOVER_RETRIES": "0"]
        let result = try sandbox.gover("install", "1.22.5", env: env)
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr.contains("error: download of \(sandbox.mirrorURL)_f/cut=100000/go1.22.5.linux-amd64.tar.gz failed"), "\(result)")
        Self.expectUnchanged(sandbox, before)
    }

    @Test("nothing listens on the mirror: exit 4")
    func unreachable() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.gover("install", "1.22.5", env: ["GOVER_MIRROR": "http://127.0.0.1:9/"])
        #expect(result.status == 4)
        #expect(result.stderr.contains("error: download of http://127.0.0.1:9/?mode=json&include=all failed"), "\(result)")
    }

    @Test("a read-only store is reported before any download")
    func readOnlyStore() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        try sandbox.publish("go1.22.5")
        guard getuid() != 0 else {
            // root ignores permission bits; a read-only bind mount needs privileges tests
            // should not take, so the check runs on the store root being a file instead.
            let result = try sandbox.gover("install", "1.22.5", env: ["GOVER_ROOT": sandbox.mirrorDirectory + "/index.json"])
            #expect(result.status == 7, "\(result)")
            #expect(result.stderr.contains("is a regular file, not a directory"), "\(result)")
            #expect(sandbox.server.archiveRequests().count == 1)
            Self.expectUnchanged(sandbox, before)
            return
        }
        chmod(sandbox.root, 0o555)
        defer { chmod(sandbox.root, 0o755) }
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 7, "\(result)")
        #expect(result.stderr.contains("is not writable"))
        #expect(sandbox.server.archiveRequests().count == 1)
    }

    // MARK: Hostile and broken archives

    static func hostileEntries(_ name: String) -> [[String: Any]] {
        switch name {
        case "dotdot": return [["name": "go/../../evil", "data": "x"]]
        case "absolute": return [["name": "/tmp/gover-evil-absolute", "data": "x"]]
        case "outside-go": return [["name": "evil", "data": "x"]]
        case "symlink-escape":
            return [["name": "go/link", "type": "symlink", "target": "../../.."], ["name": "go/link/evil", "data": "x"]]
        case "symlink-absolute": return [["name": "go/link", "type": "symlink", "target": "/tmp"]]
        case "hardlink-outside": return [["name": "go/passwd", "type": "hardlink", "target": "/etc/passwd"]]
        case "hardlink-dotdot": return [["name": "go/passwd", "type": "hardlink", "target": "go/../../evil"]]
        case "symlink-chain":
            // Each link alone stays inside the tree; followed through `e` (which points two
            // levels up) the second one would reach out of it.
            return [["name": "go/sub/deeper/", "type": "dir"],
                    ["name": "go/sub/deeper/e", "type": "symlink", "target": "../.."],
                    ["name": "go/sub/deeper/e/l3", "type": "symlink", "target": "../.."]]
        case "write-through-inner-symlink":
            return [["name": "go/a", "type": "symlink", "target": "bin"], ["name": "go/a/x", "data": "x"]]
        case "replace-symlink":
            return [["name": "go/a", "type": "symlink", "target": "bin"], ["name": "go/a/", "type": "dir"]]
        case "hardlink-to-symlink":
            return [["name": "go/a", "type": "symlink", "target": "bin"], ["name": "go/h", "type": "hardlink", "target": "go/a"]]
        case "zero-width-joiner-through-symlink":
            // "/\u{200D}" is one Swift Character: a check on Characters would miss the "/".
            return [["name": "go/a", "type": "symlink", "target": "bin"], ["name": "go/a/\u{200D}x.sh", "data": "x"]]
        case "combining-mark-through-symlink":
            return [["name": "go/a", "type": "symlink", "target": "bin"], ["name": "go/a/\u{0301}x.sh", "data": "x"]]
        case "dotdot-after-link":
            // s -> . and l1 -> s/..: lexically go/, really the parent of go/.
            return [["name": "go/s", "type": "symlink", "target": "."], ["name": "go/l1", "type": "symlink", "target": "s/.."]]
        case "hardlink-to-directory":
            return [["name": "go/d/", "type": "dir"], ["name": "go/h", "type": "hardlink", "target": "go/d"]]
        case "relink-by-hardlink":
            // A file replaced by a symlink, whose stale name a hard link then copies to a
            // shallower depth, where the relative target climbs out of the tree.
            return [["name": "go/d1/d2/d3/", "type": "dir"], ["name": "go/d1/d2/d3/s", "data": "x"],
                    ["name": "go/d1/d2/d3/s", "type": "symlink", "target": "../../../bin"],
                    ["name": "go/bin/gofmt2", "type": "hardlink", "target": "go/d1/d2/d3/s"]]
        case "directory-replaced-by-file":
            return [["name": "go/d/", "type": "dir"], ["name": "go/d", "data": "x"]]
        case "fifo": return [["name": "go/fifo", "type": "fifo"]]
        case "device": return [["name": "go/null", "type": "chardev"]]
        default: fatalError("unknown case \(name)")
        }
    }

    /// Each hostile archive, and the reason its refusal must give (the true one).
    static let hostileReasons: [(String, String)] = [
        ("dotdot", "contains '..'"), ("absolute", "has an absolute path"),
        ("outside-go", "is outside the archive's go/ directory"),
        ("symlink-escape", "is a symlink pointing outside the tree"),
        ("symlink-absolute", "is a symlink to an absolute path"),
        ("hardlink-outside", "is a hard link whose target has an absolute path"),
        ("hardlink-dotdot", "is a hard link whose target contains '..'"),
        ("symlink-chain", "would be written through the symlink go/sub/deeper/e"),
        ("write-through-inner-symlink", "would be written through the symlink go/a"),
        ("replace-symlink", "replaces the symlink go/a"),
        ("hardlink-to-symlink", "is a hard link to something that is not a regular file of the archive"),
        ("zero-width-joiner-through-symlink", "would be written through the symlink go/a"),
        ("combining-mark-through-symlink", "would be written through the symlink go/a"),
        ("dotdot-after-link", "is a symlink with '..' after a directory name"),
        ("hardlink-to-directory", "is a hard link to something that is not a regular file of the archive"),
        ("relink-by-hardlink", "replaces the regular file go/d1/d2/d3/s with a symlink"),
        ("directory-replaced-by-file", "replaces the directory go/d with a regular file"),
        ("fifo", "is a FIFO"), ("device", "is a character device"),
    ]

    @Test("hostile archives are refused: exit 6, the true reason, nothing written outside staging",
          arguments: hostileReasons)
    func hostile(name: String, reason: String) throws {
        let (sandbox, before) = try Self.withActiveVersion()
        try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5") + Self.hostileEntries(name))
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 6, "\(name): \(result)")
        #expect(result.stderr.contains("error: archive refused: entry"), "\(name): \(result)")
        #expect(result.stderr.contains(reason), "\(name): \(result)")
        Self.expectUnchanged(sandbox, before)
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory + "/evil"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/evil"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/gover-evil-absolute"))
    }

    static func brokenOptions(_ name: String) -> [String: Any] {
        switch name {
        case "truncated": return ["truncate": 60]
        case "corrupt-header": return ["corrupt_header": true]
        case "not-gzip": return ["truncate": 0, "append": "3c68746d6c3e"]
        default: fatalError("unknown case \(name)")
        }
    }

    @Test("broken archives are refused: exit 5", arguments: ["truncated", "corrupt-header", "not-gzip"])
    func broken(name: String) throws {
        let (sandbox, before) = try Self.withActiveVersion()
        try sandbox.publish("go1.22.5", archiveOptions: Self.brokenOptions(name))
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 5, "\(name): \(result)")
        #expect(result.stderr.contains("is not a valid Go archive"), "\(name): \(result)")
        Self.expectUnchanged(sandbox, before)
    }

    @Test("a decompression bomb (expands past 16× the index size): exit 6")
    func bomb() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        // 40 MB of zeros compress to ~40 kB: far past 16 × max(size, 1 MB).
        var entries = Sandbox.toolchainEntries("go1.22.5")
        entries.append(["name": "go/zeros", "data": String(repeating: "0", count: 40_000_000)])
        try sandbox.publish("go1.22.5", entries: entries)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 6, "\(result)")
        #expect(result.stderr.contains("decompression bomb"))
        Self.expectUnchanged(sandbox, before)
    }

    @Test("trailing garbage appended on the way (digest of the clean file in the index): exit 5")
    func trailingGarbage() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        let clean = try sandbox.publish("go1.22.5")
        try Data(repeating: 0x41, count: 5000).append(toFile: clean.path)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 5, "\(result)")
        #expect(result.stderr.contains("size mismatch") || result.stderr.contains("SHA256 mismatch"), "\(result)")
        Self.expectUnchanged(sandbox, before)
    }

    @Test("an archive without go/bin/go is not a toolchain: exit 5")
    func incomplete() throws {
        let (sandbox, before) = try Self.withActiveVersion()
        try sandbox.publish("go1.22.5", entries: [["name": "go/README", "data": "hi"]])
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 5, "\(result)")
        #expect(result.stderr.contains("it has no go/bin/go"))
        Self.expectUnchanged(sandbox, before)
    }

    @Test("symlinks that stay inside the tree are kept")
    func innerSymlinks() throws {
        let sandbox = try Sandbox()
        var entries = Sandbox.toolchainEntries("go1.22.5")
        entries += [["name": "go/misc/", "type": "dir"],
                    ["name": "go/misc/go", "type": "symlink", "target": "../bin/go"],
                    ["name": "go/misc/self", "type": "symlink", "target": "."]]
        try sandbox.publish("go1.22.5", entries: entries)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 0, "\(result)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: sandbox.root + "/go1.22.5/misc/go") == "../bin/go")
        #expect(FileManager.default.isExecutableFile(atPath: sandbox.root + "/go1.22.5/misc/go"))
    }

    @Test("setuid and setgid bits are stripped, the rest of the mode kept")
    func setuidStripped() throws {
        let sandbox = try Sandbox()
        var entries = Sandbox.toolchainEntries("go1.22.5")
        entries.append(["name": "go/bin/suid", "mode": 0o6755, "data": "#!/bin/sh\n"])
        try sandbox.publish("go1.22.5", entries: entries)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 0, "\(result)")
        var info = stat()
        #expect(stat(sandbox.root + "/go1.22.5/bin/suid", &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o755)
    }
}

/// Processes killed midway, signalled, or racing each other.
@Suite("interruptions and concurrency", .serialized)
struct ConcurrencyTests {
    /// A slow mirror for go1.22.5: ~1 MB of incompressible filler at 250 kB/s (~4 s).
    static func slowMirror(_ sandbox: Sandbox) throws -> [String: String] {
        try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 1_000_000))
        return ["GOVER_MIRROR": sandbox.mirrorURL + "_f/rate=250000/",
                "GOVER_INDEX_URL": sandbox.mirrorURL + "?mode=json&include=all"]
    }

    static func waitForStaging(_ sandbox: Sandbox, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let entry = sandbox.stagingEntries().first,
               FileManager.default.fileExists(atPath: sandbox.root + "/.staging/" + entry + "/go/bin") {
                return true
            }
            usleep(20_000)
        }
        return false
    }

    @Test("kill -9 during extraction: no visible version; the next install cleans up and succeeds")
    func killed() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let env = try Self.slowMirror(sandbox)
        let running = try sandbox.start(["install", "1.22.5"], env: env)
        #expect(Self.waitForStaging(sandbox), "extraction never started")
        running.signal(SIGKILL)
        let killed = running.wait()
        #expect(killed.killedBySignal && killed.status == SIGKILL, "\(killed)")
        #expect(sandbox.storeSnapshot() == before)
        #expect(!sandbox.stagingEntries().isEmpty, "the orphan should exist until the next run")
        #expect(try sandbox.gover("list").stdout == "* go1.21.13\n")
        #expect(sandbox.currentGoVersion() == "go version go1.21.13 linux/amd64")

        let retry = try sandbox.gover("install", "1.22.5")
        #expect(retry.status == 0, "\(retry)")
        #expect(sandbox.stagingEntries().isEmpty)
        #expect(FileManager.default.isExecutableFile(atPath: sandbox.root + "/go1.22.5/bin/go"))
    }

    @Test("Ctrl-C (SIGINT) and SIGTERM: staging removed, exit 130/143", arguments: [SIGINT, SIGTERM])
    func interrupted(signal: Int32) throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let env = try Self.slowMirror(sandbox)
        let running = try sandbox.start(["install", "1.22.5"], env: env)
        #expect(Self.waitForStaging(sandbox), "extraction never started")
        running.signal(signal)
        let result = running.wait()
        #expect(result.status == 128 + signal, "\(result)")
        #expect(result.stderr.contains("error: interrupted by"))
        FailureTests.expectUnchanged(sandbox, before)
        // The lock was released: another command gets it at once.
        #expect(try sandbox.gover("use", "1.21").status == 0)
    }

    @Test("two concurrent installs of one version: both succeed, one download and extraction")
    func concurrentInstalls() throws {
        let sandbox = try Sandbox()
        let env = try Self.slowMirror(sandbox)
        let first = try sandbox.start(["install", "1.22.5"], env: env)
        #expect(Self.waitForStaging(sandbox))
        let second = try sandbox.start(["install", "1.22.5"], env: env)
        let a = first.wait()
        let b = second.wait()
        #expect(a.status == 0, "\(a)")
        #expect(b.status == 0, "\(b)")
        #expect(b.stderr.contains("Waiting for another gover process"), "\(b)")
        #expect(b.stderr.contains("go1.22.5 is already installed"), "\(b)")
        #expect(sandbox.server.archiveRequests().count == 1)
        #expect(sandbox.storeSnapshot().filter { $0.hasPrefix("go1.22.5/") }
            == ["go1.22.5/.gover-platform", "go1.22.5/VERSION", "go1.22.5/bin", "go1.22.5/bin/go", "go1.22.5/bin/gofmt", "go1.22.5/pkg", "go1.22.5/pkg/filler.hex"])
    }

    @Test("a reader resolving current/bin/go never sees it missing while use switches")
    func atomicSwitch() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.21", "1.22").status == 0)
        let misses = try sandbox.countingMissesOfCurrentGo {
            for i in 0..<40 {
                let result = try sandbox.gover("use", i % 2 == 0 ? "1.21" : "1.22")
                #expect(result.status == 0)
            }
        }
        #expect(misses == 0)
    }
}

/// A small lock-protected box for values shared with a test's helper thread.
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}

extension Data {
    func append(toFile path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: self)
    }
}
