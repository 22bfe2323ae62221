import Foundation
import Testing

@Suite("gover commands against a loopback mirror")
struct CommandTests {
    @Test("install resolves a line to its newest patch, verifies, and activates the first version")
    func installLine() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.4")
        try sandbox.publish("go1.22.5")
        try sandbox.publish("go1.23rc1")

        let result = try sandbox.gover("install", "1.22")
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("Verified SHA256"))
        #expect(result.stderr.contains("Installed go1.22.5"))
        #expect(sandbox.storeSnapshot().contains("current -> go1.22.5"))
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
        #expect(sandbox.stagingEntries().isEmpty)
        // The archive itself is not kept unless asked.
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/cache/archives"))
    }

    @Test("installing an installed version is a success that downloads nothing")
    func alreadyInstalled() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.22.5").status == 0)
        let again = try sandbox.gover("install", "1.22.5")
        #expect(again.status == 0)
        #expect(again.stderr.contains("go1.22.5 is already installed"))
        #expect(sandbox.server.archiveRequests().count == 1)
    }

    @Test("use switches current between installed versions; list marks it")
    func useAndList() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.21", "1.22").status == 0)
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")

        let use = try sandbox.gover("use", "1.21")
        #expect(use.status == 0, "\(use)")
        #expect(sandbox.currentGoVersion() == "go version go1.21.13 linux/amd64")
        #expect(try sandbox.gover("current").stdout == "go1.21.13\n")
        #expect(try sandbox.gover("which").stdout == sandbox.root + "/go1.21.13/bin/go\n")
        #expect(try sandbox.gover("which", "gofmt").stdout == sandbox.root + "/go1.21.13/bin/gofmt\n")
        #expect(try sandbox.gover("list").stdout == "  go1.22.5\n* go1.21.13\n")

        let json = try sandbox.gover("list", "--json")
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(decoded?.count == 2)
        #expect(decoded?.first(where: { $0["current"] as? Bool == true })?["version"] as? String == "go1.21.13")
    }

    @Test("install --use switches; the current symlink is relative")
    func installUse() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.21").status == 0)
        try #require(try sandbox.gover("install", "--use", "1.22").status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: sandbox.root + "/current") == "go1.22.5")
    }

    @Test("use of a version that is not installed names the install command (exit 3)")
    func useNotInstalled() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        let result = try sandbox.gover("use", "1.22")
        #expect(result.status == 3)
        #expect(result.stderr.contains("gover install 1.22"), "\(result)")
        let installing = try sandbox.gover("use", "--install", "1.22")
        #expect(installing.status == 0, "\(installing)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("current and which exit 3 when nothing is active")
    func nothingActive() throws {
        let sandbox = try Sandbox()
        let current = try sandbox.gover("current")
        #expect(current.status == 3)
        #expect(current.stderr.hasPrefix("error: no Go version is active"))
        #expect(try sandbox.gover("which").status == 3)
    }

    @Test("list --remote shows one line per minor version plus newer pre-releases; --all shows all")
    func listRemote() throws {
        let sandbox = try Sandbox()
        for version in ["go1.21.12", "go1.21.13", "go1.22.4", "go1.22.5", "go1.23rc1", "go1.22rc1"] {
            try sandbox.publish(version)
        }
        try #require(try sandbox.gover("install", "1.22.4").status == 0)
        let remote = try sandbox.gover("list", "--remote")
        #expect(remote.status == 0, "\(remote)")
        #expect(remote.stdout == "  go1.23rc1\n  go1.22.5\n  go1.21.13\n")
        let all = try sandbox.gover("list", "--remote", "--all")
        #expect(all.stdout.split(separator: "\n").count == 6)
        #expect(all.stdout.contains("* go1.22.4  (installed, current)"))
    }

    @Test("uninstall refuses the active version without --force, and removes read-only trees")
    func uninstall() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.21", "1.22").status == 0)

        let refused = try sandbox.gover("uninstall", "1.22.5")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("active version"))

        // Read-only like a Go module cache: directories 0555.
        chmod(sandbox.root + "/go1.21.13/bin", 0o555)
        chmod(sandbox.root + "/go1.21.13", 0o555)
        let removed = try sandbox.gover("uninstall", "1.21")
        #expect(removed.status == 0, "\(removed)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/go1.21.13"))

        let forced = try sandbox.gover("uninstall", "--force", "1.22.5")
        #expect(forced.status == 0, "\(forced)")
        // Only the (now empty) directory of versioned commands is left.
        #expect(sandbox.storeSnapshot() == ["bin"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.root + "/bin").isEmpty)
        #expect(sandbox.stagingEntries().isEmpty)
    }

    @Test("--force reinstalls the active version in place: current never dangles, no debris left")
    func forceReinstall() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 200_000))
        try #require(try sandbox.gover("install", "1.22.5").status == 0)
        chmod(sandbox.root + "/go1.22.5/bin", 0o555)  // read-only, like trees other tools unpack
        let misses = try sandbox.countingMissesOfCurrentGo {
            for _ in 0..<3 {
                let result = try sandbox.gover("install", "--force", "1.22.5")
                #expect(result.status == 0, "\(result)")
            }
        }
        #expect(misses == 0)
        #expect(sandbox.stagingEntries().isEmpty)
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("a toolchain for another platform is installed but never activated by itself")
    func foreignPlatform() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5", platform: "darwin-arm64")
        let result = try sandbox.gover("install", "1.22.5", "--os", "darwin", "--arch", "arm64")
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("installed for darwin-arm64, which cannot run on this machine"))
        #expect(try sandbox.gover("current").status == 3)
    }

    @Test("--dry-run prints version, URL, size and SHA256 and changes nothing")
    func dryRun() throws {
        let sandbox = try Sandbox()
        let published = try sandbox.publish("go1.22.5")
        let result = try sandbox.gover("install", "--dry-run", "1.22")
        #expect(result.status == 0)
        #expect(result.stdout.contains("go1.22.5"))
        #expect(result.stdout.contains(sandbox.mirrorURL + published.filename))
        #expect(result.stdout.contains(published.sha256))
        #expect(result.stdout.contains("\(published.size) bytes"))
        #expect(sandbox.storeSnapshot().isEmpty)
        #expect(sandbox.server.archiveRequests().isEmpty)
    }

    @Test("--file installs a local archive, checked against the index or --sha256")
    func localFile() throws {
        let sandbox = try Sandbox()
        let known = try sandbox.publish("go1.22.5", onMirror: true)
        let result = try sandbox.gover("install", "--file", known.path)
        #expect(result.status == 0, "\(result)")
        #expect(sandbox.server.archiveRequests().isEmpty)

        // Not in the index: --sha256 is required, and checked.
        let other = try Sandbox()
        let unknown = try other.publish("go1.30.0", onMirror: true)
        let copy = sandbox.directory + "/go1.30.0.linux-amd64.tar.gz"
        try FileManager.default.copyItem(atPath: unknown.path, toPath: copy)
        let missing = try sandbox.gover("install", "--file", copy)
        #expect(missing.status == 5, "\(missing)")
        #expect(missing.stderr.contains("--sha256"))
        let wrong = try sandbox.gover("install", "--file", copy, "--sha256", String(repeating: "0", count: 64))
        #expect(wrong.status == 5)
        #expect(wrong.stderr.contains("SHA256 mismatch"))
        let right = try sandbox.gover("install", "--file", copy, "--sha256", unknown.sha256)
        #expect(right.status == 0, "\(right)")
        #expect(sandbox.storeSnapshot().contains("go1.30.0/bin/go"))
    }

    @Test("the index is cached; --offline uses the cache and fails clearly without one")
    func offline() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        let cold = try sandbox.gover("list", "--remote", "--offline")
        #expect(cold.status == 4)
        #expect(cold.stderr.contains("no cached release index"))
        try #require(try sandbox.gover("list", "--remote").status == 0)
        sandbox.server.stop()
        let warm = try sandbox.gover("list", "--remote", "--offline")
        #expect(warm.status == 0, "\(warm)")
        #expect(warm.stdout == "  go1.22.5\n")
    }

    @Test("a stale cache is revalidated with If-None-Match, and used with a warning when the mirror is down")
    func revalidation() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        let expired = ["GOVER_INDEX_TTL": "0"]
        try #require(try sandbox.gover("list", "--remote", env: expired).status == 0)
        try #require(try sandbox.gover("list", "--remote", env: expired).status == 0)
        let indexRequests = sandbox.server.requests().filter { $0.file == "index.json" }
        #expect(indexRequests.map(\.status) == [200, 304])
        // `list --remote` reads a fresh cache's release lines only; the 304 above rewrote the
        // cache from a full read: its files are still there for an install from it alone.
        let fromCache = try sandbox.gover("install", "1.22.5", "--offline")
        #expect(fromCache.status == 0, "\(fromCache)")
        sandbox.server.stop()
        let down = try sandbox.gover("list", "--remote", env: expired)
        #expect(down.status == 0, "\(down)")
        #expect(down.stderr.contains("warning:"))
        #expect(down.stdout == "* go1.22.5  (installed, current)\n")
    }

    @Test("list --remote reads the cache's release lines from its first bytes; installs still check every file line")
    func releaseLinesFirst() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        // 300 more releases of 40 files each: a cache of ~1 MB whose release lines fill ~5 KB.
        let indexPath = sandbox.mirrorDirectory + "/index.json"
        var index = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: indexPath))) as? [[String: Any]])
        for minor in stride(from: 20, to: 5, by: -1) {
            for patch in stride(from: 19, through: 0, by: -1) {
                let version = patch == 0 ? "go1.\(minor)" : "go1.\(minor).\(patch)"
                let files = (0..<40).map { k -> [String: Any] in
                    ["filename": "\(version).os\(k)-amd64.tar.gz", "os": "os\(k)", "arch": "amd64", "version": version,
                     "sha256": String(repeating: "ab", count: 32), "size": 70_000_000, "kind": "archive"]
                }
                index.append(["version": version, "stable": true, "files": files])
            }
        }
        try JSONSerialization.data(withJSONObject: index).write(to: URL(fileURLWithPath: indexPath))
        let fetched = try sandbox.gover("list", "--remote", "--all")
        try #require(fetched.status == 0, "\(fetched)")
        #expect(fetched.stdout.split(separator: "\n").count == 301)
        let cachePath = sandbox.root + "/cache/index.v2"
        var cache = try #require(FileManager.default.contents(atPath: cachePath))
        #expect(cache.count > 1 << 19)
        // An edit far past the release lines: a file line now names `../x`. `list --remote`
        // never reads it; an install reads every line and refuses the whole file.
        let text = String(decoding: cache, as: UTF8.self)
        let last = try #require(text.range(of: "\tgo1.6.os39-amd64.tar.gz", options: .backwards))
        cache = Data(text.replacingCharacters(in: last, with: "\t../../../x.tar.gz").utf8)
        try cache.write(to: URL(fileURLWithPath: cachePath))
        let warm = try sandbox.gover("list", "--remote", "--all", "--offline")
        #expect(warm.status == 0, "\(warm)")
        #expect(warm.stdout == fetched.stdout)
        let install = try sandbox.gover("install", "1.22.5", "--offline")
        #expect(install.status == 4, "\(install)")
        #expect(install.stderr.contains("no cached release index"))
        #expect(sandbox.storeSnapshot().isEmpty)
        // Online, the unusable cache is simply fetched again.
        let online = try sandbox.gover("install", "1.22.5")
        #expect(online.status == 0, "\(online)")
    }

    @Test("a symlink, FIFO or directory in place of the index cache is no cache: never followed, never blocks, replaced by the next fetch", arguments: [
        "symlink", "fifo", "directory",
    ])
    func hostileIndexCache(kind: String) throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("list", "--remote").status == 0)
        let cachePath = sandbox.root + "/cache/index.v2"
        // A valid cache elsewhere (as someone else's file would be), listing a version the mirror does not have.
        let elsewhere = sandbox.directory + "/planted-index"
        let text = String(decoding: try #require(FileManager.default.contents(atPath: cachePath)), as: UTF8.self)
        try Data(text.replacingOccurrences(of: "go1.22.5", with: "go1.22.6").utf8).write(to: URL(fileURLWithPath: elsewhere))
        let planted = try #require(FileManager.default.contents(atPath: elsewhere))
        try FileManager.default.removeItem(atPath: cachePath)
        switch kind {
        case "symlink": try #require(symlink(elsewhere, cachePath) == 0)
        case "fifo": try #require(mkfifo(cachePath, 0o644) == 0)
        default: try FileManager.default.createDirectory(atPath: cachePath, withIntermediateDirectories: false)
        }
        let offline = try sandbox.gover("list", "--remote", "--all", "--offline")
        #expect(offline.status == 4, "\(offline)")
        #expect(offline.stderr.contains("no cached release index"), "\(offline)")
        let plain = try sandbox.gover("list")
        #expect(plain.status == 0, "\(plain)")
        let online = try sandbox.gover("list", "--remote", "--all")
        #expect(online.status == 0, "\(online)")
        #expect(online.stdout == "  go1.22.5\n", "\(online)")
        #expect(FileManager.default.contents(atPath: elsewhere) == planted)
        if kind != "directory" {
            #expect((try? FileManager.default.attributesOfItem(atPath: cachePath))?[.type] as? FileAttributeType == .typeRegular)
        }
    }

    @Test("usage errors exit 2, unknown versions exit 3 naming the nearest ones")
    func errors() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        try sandbox.publish("go1.21.13")
        let invalid = try sandbox.gover("install", "1.22.x")
        #expect(invalid.status == 2)
        #expect(invalid.stderr.contains("not a Go version selector"))
        let none = try sandbox.gover("install")
        #expect(none.status == 2)
        let unknown = try sandbox.gover("install", "1.22.9")
        #expect(unknown.status == 3)
        #expect(unknown.stderr.contains("no Go release matches '1.22.9'; nearest: 1.21.13, 1.22.5"), "\(unknown)")
        let platform = try sandbox.gover("install", "1.22.5", "--os", "plan9")
        #expect(platform.status == 3)
        #expect(platform.stderr.contains("has no archive for plan9-amd64; it has archives for linux-amd64"))
        #expect(sandbox.storeSnapshot().isEmpty)
    }

    @Test("--help teaches: examples, environment and exit codes")
    func help() throws {
        let sandbox = try Sandbox()
        let help = try sandbox.gover("--help")
        #expect(help.status == 0)
        for text in ["gover install 1.22", "GOVER_MIRROR", "Exit status", "checksum", "current/bin"] {
            #expect(help.stdout.contains(text), "missing \(text)")
        }
        let version = try sandbox.gover("--version")
        #expect(version.status == 0)
        #expect(!version.stdout.isEmpty)
    }
}

@Suite("mirrors on disk and terminals")
struct MirrorKindsTests {
    @Test("a file:// mirror: index at <base>index.json, archives beside it")
    func fileMirror() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        let result = try sandbox.gover("install", "1.22", env: ["GOVER_MIRROR": "file://" + sandbox.mirrorDirectory + "/"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("from file://\(sandbox.mirrorDirectory)/go1.22.5.linux-amd64.tar.gz"))
        #expect(!result.stderr.contains("plain HTTP"))
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("on a terminal: a live progress line with bytes, bar, ETA and rate",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"))
    func progressOnTerminal() throws {
        let sandbox = try Sandbox()
        let env = try ConcurrencyTests.slowMirror(sandbox)
        // script(1) gives gover a pseudo-terminal; the command line is fixed words and paths.
        let command = "\(goverBinary) install 1.22.5"
        let result = try runProgram("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"],
                                    environment: sandbox.environment(env.merging(["TERM": "xterm"]) { $1 }),
                                    directory: sandbox.directory)
        #expect(result.status == 0, "\(result)")
        let screen = result.stdout
        #expect(screen.contains("\r\u{1B}[K"), "no redrawn line: \(screen)")
        #expect(screen.contains("ETA"), "\(screen)")
        #expect(screen.contains("/s"), "\(screen)")
        #expect(screen.contains("[#"), "\(screen)")
        #expect(screen.contains("Installed go1.22.5"))
    }
}
