import Foundation
import Testing

/// Keeping one machine current: `list` marks versions with a newer patch (from the cached
/// index, offline), `upgrade` installs the newest patch per line and moves `current` along,
/// `prune` removes what is superseded but never the active or the pinned version.
@Suite("list --outdated, upgrade, prune")
struct UpgradeTests {
    @Test("list marks installed versions with a newer patch from the cached index, offline; --outdated and --json carry it")
    func outdatedMarks() throws {
        let sandbox = try Sandbox()
        for version in ["go1.21.13", "go1.22.5", "go1.22.12"] { try sandbox.publish(version) }
        #expect(try sandbox.gover("install", "1.21.13", "1.22.5").status == 0)
        #expect(try sandbox.gover("use", "1.22.5").status == 0)
        let outdated = try sandbox.gover("list", "--outdated")
        #expect(outdated.stdout == "* go1.22.5  (go1.22.12 available)\n", "\(outdated)")
        // With the mirror gone, a plain list still knows (it reads the cached index only).
        sandbox.server.stop()
        let list = try sandbox.gover("list")
        #expect(list.status == 0, "\(list)")
        #expect(list.stdout == "* go1.22.5  (go1.22.12 available)\n  go1.21.13\n", "\(list)")
        let json = try sandbox.gover("list", "--json")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(entries.first { $0["version"] as? String == "go1.22.5" }?["newer"] as? String == "go1.22.12")
        #expect(entries.first { $0["version"] as? String == "go1.21.13" }?["newer"] is NSNull)
    }

    @Test("upgrade installs the newest patch of each line and moves current along; again: nothing to upgrade; --prune removes the old patch")
    func upgradeLines() throws {
        let sandbox = try Sandbox()
        for version in ["go1.21.12", "go1.21.13", "go1.22.5", "go1.22.12"] { try sandbox.publish(version) }
        #expect(try sandbox.gover("install", "1.21.12", "1.22.5").status == 0)
        #expect(try sandbox.gover("use", "1.22.5").status == 0)

        let only = try sandbox.gover("upgrade", "1.21")
        #expect(only.status == 0, "\(only)")
        #expect(only.stderr.contains("Upgraded go1.21.12 → go1.21.13"), "\(only)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")

        let all = try sandbox.gover("upgrade", "--prune")
        #expect(all.status == 0, "\(all)")
        #expect(all.stderr.contains("Upgraded go1.22.5 → go1.22.12"), "\(all)")
        #expect(all.stderr.contains("Now using go1.22.12"), "\(all)")
        #expect(all.stderr.contains("Removed go1.22.5") && all.stderr.contains("Removed go1.21.12"), "\(all)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.12 linux/amd64")
        #expect(try sandbox.gover("list").stdout == "* go1.22.12\n  go1.21.13\n")

        let again = try sandbox.gover("upgrade")
        #expect(again.status == 0, "\(again)")
        #expect(again.stderr.contains("Nothing to upgrade: go1.21.13, go1.22.12 are the newest patch of their lines"), "\(again)")
        #expect(try sandbox.gover("upgrade", "1.20").status == 3)
        #expect(try sandbox.gover("upgrade", "banana").status == 2)
    }

    @Test("prune keeps the newest patch per line, the active version and the pinned one; pre-releases give way to their stable release")
    func pruneKeeps() throws {
        let sandbox = try Sandbox()
        let versions = ["go1.21.12", "go1.21.13", "go1.22.3", "go1.22.4", "go1.22.5", "go1.23rc1", "go1.23.0", "go1.24rc1", "go1.24rc2"]
        for version in versions { try sandbox.publish(version) }
        #expect(try sandbox.gover("install", "1.21.12", "1.21.13", "1.22.3", "1.22.4", "1.22.5", "1.23rc1", "1.23.0", "1.24rc1", "1.24rc2").status == 0)
        #expect(try sandbox.gover("use", "1.22.3").status == 0)
        let project = sandbox.directory + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try "go1.21.12\n".write(toFile: project + "/.go-version", atomically: true, encoding: .utf8)

        let dry = try sandbox.start(["prune", "--dry-run"], directory: project).wait()
        #expect(dry.status == 0, "\(dry)")
        #expect(dry.stdout == "would remove go1.22.4\nwould remove go1.23rc1\nwould remove go1.24rc1\n", "\(dry)")
        #expect(sandbox.storeSnapshot().contains { $0.hasPrefix("go1.22.4") })

        let pruned = try sandbox.start(["prune"], directory: project).wait()
        #expect(pruned.status == 0, "\(pruned)")
        #expect(pruned.stderr.contains("Pruned 3 versions:") && pruned.stderr.contains("freed"), "\(pruned)")
        let left = try sandbox.gover("list").stdout
        #expect(left == "  go1.24rc2\n  go1.23.0\n  go1.22.5\n* go1.22.3  (go1.22.5 available)\n  go1.21.13\n  go1.21.12  (go1.21.13 available)\n", "\(left)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.3 linux/amd64")
        #expect(try sandbox.start(["prune"], directory: project).wait().stderr.contains("Nothing to prune"))
    }
}
