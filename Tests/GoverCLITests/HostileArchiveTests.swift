import Foundation
import Testing

/// Archives that are valid tar.gz but hostile in what they make gover do: create more
/// inodes than a toolchain has, inflate gigabytes nobody reads, install world-writable
/// directories, or call a directory `bin/go`. And the one thing that looks hostile but is
/// not: a hard link between two files of the tree.
@Suite("hostile archives: counts, trailing data, modes, links", .serialized)
struct HostileArchiveTests {
    @Test("an inode bomb (60,000 empty files in a ~0.5 MB archive) is refused by count: exit 6, store unchanged")
    func inodeBomb() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5", archiveOptions: ["empty_files": 60_000])
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 6, "\(result)")
        #expect(result.stderr.contains("more than 50000"), "\(result)")
        #expect(result.stderr.contains("inode bomb"), "\(result)")
        FailureTests.expectUnchanged(sandbox, before)
    }

    @Test("a filesystem out of inodes says so (not \"free some space\"): exit 7, store unchanged",
          .enabled(if: FilesystemTests.canMount, "needs root and mount(8) to make an inode-limited tmpfs"))
    func outOfInodes() throws {
        let sandbox = try Sandbox()
        try FileManager.default.createDirectory(atPath: sandbox.root, withIntermediateDirectories: true)
        try #require(FilesystemTests.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64m,nr_inodes=400,mode=0755", "tmpfs", sandbox.root]) == 0)
        defer { FilesystemTests.run("/bin/umount", ["-l", sandbox.root]) }
        try sandbox.publish("go1.21.13")
        try #require(try sandbox.gover("install", "1.21").status == 0)
        let before = sandbox.storeSnapshot()
        try sandbox.publish("go1.22.5", archiveOptions: ["empty_files": 1_000])
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 7, "\(result)")
        #expect(result.stderr.contains("out of inodes"), "\(result)")
        #expect(!result.stderr.contains("free some space"), "\(result)")
        FailureTests.expectUnchanged(sandbox, before)
    }

    @Test("8 GiB of zeros after the tar end marker are hashed, never inflated (a 20 s CPU limit is enough): installs")
    func zerosAfterTarEnd() throws {
        let sandbox = try Sandbox()
        // 128 gzip members of 64 MiB zeros: ~8.4 MB on the wire, 8 GiB if inflated (~25 s
        // of zlib here). The archive is valid; its digest is in the index.
        let published = try sandbox.publish("go1.22.5", archiveOptions: ["zero_members": 128])
        #expect(published.size < 12_000_000)
        let result = try sandbox.start(["install", "1.22.5"],
                                       launcher: ["/bin/sh", "-c", "ulimit -t 20 && exec \"$0\" \"$@\""]).wait()
        #expect(!result.killedBySignal, "killed (CPU limit?): \(result)")
        #expect(result.status == 0, "\(result)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("modes: world- or group-writable directories and files are installed without those bits")
    func writableModes() throws {
        let sandbox = try Sandbox()
        var entries = Sandbox.toolchainEntries("go1.22.5")
        entries += [["name": "go/pkg/", "type": "dir", "mode": 0o3777],
                    ["name": "go/pkg/tool/", "type": "dir", "mode": 0o777],
                    ["name": "go/pkg/tool/compile", "mode": 0o777, "data": "#!/bin/sh\n"],
                    ["name": "go/src.txt", "mode": 0o666, "data": "x"]]
        try sandbox.publish("go1.22.5", entries: entries)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 0, "\(result)")
        let tree = sandbox.root + "/go1.22.5"
        let expected: [String: Int] = ["pkg": 0o755, "pkg/tool": 0o755, "pkg/tool/compile": 0o755,
                                       "src.txt": 0o644, "bin/go": 0o755]
        for (path, mode) in expected {
            let attributes = try FileManager.default.attributesOfItem(atPath: tree + "/" + path)
            let actual = (attributes[.posixPermissions] as? Int) ?? -1
            #expect(actual == mode, "\(path): \(String(actual, radix: 8))")
        }
        // Nothing anywhere in the tree is writable by group or others.
        let enumerator = try #require(FileManager.default.enumerator(atPath: tree))
        while let path = enumerator.nextObject() as? String {
            var info = stat()
            #expect(lstat(tree + "/" + path, &info) == 0)
            if (info.st_mode & S_IFMT) != S_IFLNK {
                #expect(info.st_mode & 0o7022 == 0, "\(path) is \(String(info.st_mode & 0o7777, radix: 8))")
            }
        }
    }

    @Test("a hard link between two files of the tree is kept as a hard link")
    func innerHardLink() throws {
        let sandbox = try Sandbox()
        var entries = Sandbox.toolchainEntries("go1.22.5")
        entries += [["name": "go/pkg/", "type": "dir"],
                    ["name": "go/pkg/go-copy", "type": "hardlink", "target": "go/bin/go"]]
        try sandbox.publish("go1.22.5", entries: entries)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 0, "\(result)")
        var original = stat(), link = stat()
        #expect(lstat(sandbox.root + "/go1.22.5/bin/go", &original) == 0)
        #expect(lstat(sandbox.root + "/go1.22.5/pkg/go-copy", &link) == 0)
        #expect(original.st_ino == link.st_ino && original.st_nlink == 2)
    }

    @Test("a bin/go that is not an executable regular file is not a toolchain: exit 5",
          arguments: ["directory", "not executable", "symlink"])
    func binGoNotAnExecutable(name: String) throws {
        let goEntry: [[String: Any]]
        switch name {
        case "directory": goEntry = [["name": "go/bin/go/", "type": "dir"]]
        case "not executable": goEntry = [["name": "go/bin/go", "mode": 0o644, "data": "#!/bin/sh\n"]]
        default: goEntry = [["name": "go/bin/go", "type": "symlink", "target": "gofmt"]]
        }
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let entries: [[String: Any]] = [["name": "go/", "type": "dir"], ["name": "go/bin/", "type": "dir"],
                                        ["name": "go/bin/gofmt", "mode": 0o755, "data": "#!/bin/sh\n"]] + goEntry
        try sandbox.publish("go1.22.5", entries: entries)
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 5, "\(name): \(result)")
        #expect(result.stderr.contains("go/bin/go is not an executable regular file"), "\(name): \(result)")
        FailureTests.expectUnchanged(sandbox, before)
    }
}
