import Testing
@testable import GoverCore

/// The POSIX helpers the store's safety rests on, in isolation.
@Suite("Local state primitives", .serialized)
struct LocalStateTests {
    let base: String

    init() throws {
        var template = Array("/tmp/gover-local-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        base = string(fromCString: template)
    }

    private func write(_ path: String, _ text: String) throws {
        try FileSystem.writeFileAtomically(path, Array(text.utf8))
    }

    @Test("a file written into a directory by name is never written through a symlink standing for the directory")
    func writeIntoDirectoryNotFollowed() throws {
        defer { try? FileSystem.removeTree(base) }
        try FileSystem.makeDirectories(base + "/real")
        try FileSystem.writeFileAtomically(named: "x", inDirectory: base + "/real", Array("one".utf8))
        #expect(FileSystem.readFile(base + "/real/x") == Array("one".utf8))
        try FileSystem.writeFileAtomically(named: "x", inDirectory: base + "/real", Array("two".utf8))
        #expect(FileSystem.readFile(base + "/real/x") == Array("two".utf8))
        #expect(FileSystem.directoryEntries(base + "/real") == ["x"])
        #expect(symlink(base + "/real", base + "/link") == 0)
        #expect(throws: GoverError.self) { try FileSystem.writeFileAtomically(named: "y", inDirectory: base + "/link", Array("evil".utf8)) }
        #expect(FileSystem.directoryEntries(base + "/real") == ["x"])
    }

    @Test("removeTree removes links, never what they point at, and copes with 0555 and 0000 directories")
    func removeTreeStaysInside() throws {
        defer { try? FileSystem.removeTree(base) }
        let outside = base + "/outside"
        try FileSystem.makeDirectories(outside + "/deep")
        try write(outside + "/deep/keep", "keep")
        let tree = base + "/tree"
        try FileSystem.makeDirectories(tree + "/a/b")
        try write(tree + "/a/b/file", "x")
        #expect(symlink(outside, tree + "/a/link-to-dir") == 0)
        #expect(symlink(outside + "/deep/keep", tree + "/a/b/link-to-file") == 0)
        chmod(tree + "/a/b", 0o555)
        try FileSystem.makeDirectories(tree + "/locked")
        chmod(tree + "/locked", 0o000)

        try FileSystem.removeTree(tree)
        #expect(FileSystem.kind(tree) == nil)
        #expect(FileSystem.readFile(outside + "/deep/keep") == Array("keep".utf8))

        // Given a symlink itself, it removes the link only.
        #expect(symlink(outside, base + "/link") == 0)
        try FileSystem.removeTree(base + "/link")
        #expect(FileSystem.kind(base + "/link") == nil)
        #expect(FileSystem.kind(outside + "/deep/keep") == S_IFREG)
    }

    @Test("removeContents refuses a symlink in place of the directory and empties nothing")
    func removeContentsRefusesLink() throws {
        defer { try? FileSystem.removeTree(base) }
        try FileSystem.makeDirectories(base + "/target")
        try write(base + "/target/keep", "keep")
        #expect(symlink(base + "/target", base + "/staging") == 0)
        // O_NOFOLLOW | O_DIRECTORY on a symlink: ENOTDIR on Linux, ELOOP elsewhere.
        #expect(throws: GoverError.self) { try FileSystem.removeContents(ofDirectory: base + "/staging") }
        #expect(FileSystem.directoryEntries(base + "/staging").isEmpty)  // not followed either
        #expect(FileSystem.kind(base + "/target/keep") == S_IFREG)
    }

    @Test("readRegularFile: absent is nil; a FIFO, a directory and an oversized file are refused without blocking")
    func readRegularFile() throws {
        defer { try? FileSystem.removeTree(base) }
        #expect(try FileSystem.readRegularFile(base + "/absent") == nil)
        #expect(mkfifo(base + "/fifo", 0o644) == 0)
        #expect(throws: GoverError.notRegularFile(path: base + "/fifo", kind: "a FIFO (named pipe)")) {
            try FileSystem.readRegularFile(base + "/fifo")
        }
        #expect(throws: GoverError.notRegularFile(path: base, kind: "a directory")) {
            try FileSystem.readRegularFile(base)
        }
        try write(base + "/big", String(repeating: "x", count: 2000))
        #expect(throws: GoverError.fileTooLarge(path: base + "/big", size: 2000, limit: 1000)) {
            try FileSystem.readRegularFile(base + "/big", limit: 1000)
        }
        // A symlink to a regular file is followed by default (rc files), not with followSymlinks: false.
        #expect(symlink(base + "/big", base + "/link") == 0)
        #expect(try FileSystem.readRegularFile(base + "/link")?.count == 2000)
        #expect(try FileSystem.readRegularFile(base + "/link", followSymlinks: false) == nil)
    }

    @Test("a subprocess past its deadline is killed with its whole process group, even if a child holds the pipe")
    func subprocessGroupKill() throws {
        let mark = "GOVER_UNIT_MARK=\(getpid())-\(Int(monotonicSeconds() * 1e6))"
        let started = monotonicSeconds()
        let result = Subprocess.run("/bin/sh", ["-c", "sleep 1000 & echo started; exec sleep 1000"],
                                    environment: ["PATH": "/usr/bin:/bin", "GOVER_UNIT_MARK": String(mark.dropFirst("GOVER_UNIT_MARK=".count))],
                                    timeout: 1)
        let elapsed = monotonicSeconds() - started
        #expect(result.timedOut && result.status == nil)
        #expect(result.output == "started\n")
        #expect(elapsed < 3, "took \(elapsed)s")
        usleep(200_000)
        let survivors = FileSystem.directoryEntries("/proc").filter { pid in
            guard Int(pid) != nil, let environ = FileSystem.readFile("/proc/\(pid)/environ") else { return false }
            return environ.split(separator: 0).contains { $0.elementsEqual(mark.utf8) }
        }
        #expect(survivors.isEmpty, "left running: \(survivors)")
        // A shared deadline already past: nothing is started.
        let late = Subprocess.run("/bin/true", [], environment: [:], deadline: monotonicSeconds() - 1)
        #expect(late.timedOut && late.spawnError == nil)
    }
}
