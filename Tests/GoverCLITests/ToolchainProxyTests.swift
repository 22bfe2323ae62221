import Foundation
import Testing

/// gover installing toolchains from a module proxy (`GOVER_MIRROR=goproxy`) and checking go.dev
/// archives against the checksum database (`--verify-sumdb`), against the loopback fixture whose
/// database side is x/mod's own code (`ToolchainProxyFixture`): the real go1.22.10 module, and
/// small synthetic modules for the hostile cases. Every refusal must leave the store as it was.
@Suite("toolchains from a module proxy, verified by the checksum database", .serialized,
       .enabled(if: ToolchainProxyFixture.isEnabled, Comment(rawValue: ToolchainProxyFixture.skipReason)))
struct ToolchainProxyTests {
    static let real = "v0.0.1-go1.22.10.linux-amd64"
    static let small = "v0.0.1-go1.22.9.linux-amd64"
    static func prefix(_ version: String) -> String { "golang.org/toolchain@\(version)/" }

    let sandbox: Sandbox
    /// A proxy directory of this test: the packed go1.22.10 module (linked, not copied) and
    /// whatever synthetic modules the test adds.
    let proxyDirectory: String

    init() throws {
        sandbox = try Sandbox()
        let packed = try ToolchainProxyFixture.packedGo12210().directory + "/golang.org/toolchain/@v"
        proxyDirectory = sandbox.directory + "/proxy"
        let versions = proxyDirectory + "/golang.org/toolchain/@v"
        try FileManager.default.createDirectory(atPath: versions, withIntermediateDirectories: true)
        for suffix in [".zip", ".mod", ".info"] {
            try FileManager.default.createSymbolicLink(atPath: versions + "/" + Self.real + suffix,
                                                       withDestinationPath: packed + "/" + Self.real + suffix)
        }
        try (Self.real + "\n").write(toFile: versions + "/list", atomically: true, encoding: .utf8)
    }

    /// Adds a synthetic module (`entries` relative to its prefix unless `verbatim`) to the proxy.
    func addModule(_ version: String, entries: [ToolchainProxyFixture.ZipEntry]? = nil) throws {
        let versions = proxyDirectory + "/golang.org/toolchain/@v"
        let goVersion = version.dropFirst("v0.0.1-".count).split(separator: ".linux")[0]
        let zipEntries = entries ?? [
            .data(name: Self.prefix(version) + "bin/go", text: "#!/bin/sh\necho go version \(goVersion) linux/amd64\n"),
            .data(name: Self.prefix(version) + "src/_go.mod", text: "module std\n"),
            .data(name: Self.prefix(version) + "src/cmd/_go.mod", text: "module cmd\n"),
            .data(name: Self.prefix(version) + "src/make.bash", text: "#!/bin/sh\n"),
            .data(name: Self.prefix(version) + "pkg/tool/linux_amd64/compile", text: "#!/bin/sh\n"),
            .data(name: Self.prefix(version) + "VERSION", text: "\(goVersion)\n"),
        ]
        try ToolchainProxyFixture.makeZip(at: versions + "/" + version + ".zip", entries: zipEntries)
        try "module golang.org/toolchain\n".write(toFile: versions + "/" + version + ".mod", atomically: true, encoding: .utf8)
        let list = (try? String(contentsOfFile: versions + "/list", encoding: .utf8)) ?? ""
        try (list + version + "\n").write(toFile: versions + "/list", atomically: true, encoding: .utf8)
    }

    /// A fixture server over this test's proxy directory, with its own request log.
    func server(_ options: [String] = [], log: String = UUID().uuidString) throws -> ToolchainProxyServer {
        try ToolchainProxyServer(directory: proxyDirectory, options: options, logPath: sandbox.directory + "/" + log + ".log")
    }

    /// The environment of an install from `server`'s proxy, verified by its database.
    func proxyEnvironment(_ server: ToolchainProxyServer, gosumdb: String? = nil) -> [String: String] {
        ["GOVER_MIRROR": "goproxy", "GOPROXY": server.proxyURL, "GOSUMDB": gosumdb ?? server.gosumdb]
    }

    /// Every regular file under `root` with its size and whether it is executable.
    func files(under root: String) -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let path = enumerator?.nextObject() as? String {
            var info = stat()
            guard lstat(root + "/" + path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            result[path] = "\(info.st_size) \(info.st_mode & 0o777 == 0o755 ? "x" : "-")"
        }
        return result
    }

    @Test("install go1.22.10 from the proxy: the tree is the go.dev tree minus api/doc/misc/test, and runs")
    func installFromProxy() throws {
        let server = try server()
        let install = try sandbox.gover("install", "1.22", env: proxyEnvironment(server))
        #expect(install.status == 0, "\(install)")
        #expect(install.stderr.contains("Verified h1:"), "\(install)")
        #expect(install.stderr.contains("against the checksum database gover.test (golang.org/toolchain@\(Self.real))"), "\(install)")
        #expect(!install.stderr.contains("SHA256"), "no index, no SHA256: \(install)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.10 linux/amd64")

        // The lookup (and its tiles) came before the zip: a database that cannot vouch costs no download.
        let paths = server.requests().map(\.path)
        let lookup = try #require(paths.firstIndex { $0.hasPrefix("/sumdb/gover.test/lookup/") }, "\(paths)")
        let zip = try #require(paths.firstIndex { $0.hasSuffix(".zip") }, "\(paths)")
        #expect(lookup < zip)
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/cache/sumdb/gover.test/latest"))

        // The same files, sizes and execute bits as the go.dev archive gives (which distpack
        // made the module from): nested go.mod files back under their names, bin/ and pkg/tool/
        // executable.
        let tarball = try EndToEndTests.fetchToolchain("1.22.10")
        let reference = try Sandbox()
        try reference.publishFile(at: tarball.path, version: tarball.version, sha256: tarball.sha256, size: tarball.size)
        try #require(try reference.gover("install", "1.22.10").status == 0)
        let fromArchive = files(under: reference.root + "/go1.22.10").filter { path, _ in
            !["api/", "doc/", "misc/", "test/"].contains { path.hasPrefix($0) } && path != ".gover-platform"
        }
        let fromProxy = files(under: sandbox.root + "/go1.22.10").filter { $0.key != ".gover-platform" }
        #expect(fromProxy.count == fromArchive.count)
        let different = fromProxy.filter { fromArchive[$0.key] != $0.value }.map(\.key).sorted()
        // The archive keeps a few scripts executable (make.bash, ...) that the module cannot say.
        #expect(different.allSatisfy { $0.hasSuffix(".bash") || $0.hasSuffix(".sh") || $0.hasSuffix(".pl") || $0.hasSuffix(".rc") || $0.contains("_exec") },
                "\(different.prefix(20))")
        #expect(Set(fromProxy.keys) == Set(fromArchive.keys))
        #expect(fromProxy["src/go.mod"] != nil && fromProxy["src/_go.mod"] == nil)
        #expect(fromProxy["bin/go"]?.hasSuffix("x") == true)
        #expect(fromProxy["pkg/tool/linux_amd64/compile"]?.hasSuffix("x") == true)

        // Go's own switching finds it in the store's bin, as for an archive install.
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/bin/go1.22.10"))
    }

    @Test("GOPROXY fallback (`,` after a 404) and the database relayed by the proxy (/sumdb/<name>/supported)")
    func proxyListAndRelayedDatabase() throws {
        try addModule(Self.small)
        let server = try server()
        // GOSUMDB names only the key: the database is found through the proxy that relays it.
        let env = ["GOVER_MIRROR": "goproxy", "GOPROXY": server.proxyURL + "/missing," + server.proxyURL,
                   "GOSUMDB": server.verifierKey]
        let list = try sandbox.gover("list", "--remote", env: env)
        #expect(list.status == 0, "\(list)")
        #expect(list.stdout == "  go1.22.10\n", "newest per line: \(list)")
        #expect(list.stderr.contains("toolchain modules from: \(server.proxyURL)/missing, \(server.proxyURL)"), "\(list)")
        let install = try sandbox.gover("install", "1.22.9", env: env)
        #expect(install.status == 0, "\(install)")
        let paths = server.requests().map(\.path)
        #expect(paths.contains("/missing/sumdb/gover.test/supported"), "\(paths)")
        #expect(paths.contains("/sumdb/gover.test/supported"), "\(paths)")
        #expect(paths.contains("/sumdb/gover.test/lookup/golang.org/toolchain@\(Self.small)"), "\(paths)")
        // The synthetic module's layout, as the go command would leave it.
        let tree = sandbox.root + "/go1.22.9"
        #expect(files(under: tree)["src/go.mod"] == "11 -")
        #expect(files(under: tree)["src/cmd/go.mod"] == "11 -")
        #expect(files(under: tree)["src/make.bash"] == "10 -")
        #expect(files(under: tree)["pkg/tool/linux_amd64/compile"] == "10 x")
        #expect(sandbox.currentGoVersion() == "go version go1.22.9 linux/amd64")
    }

    @Test("--verify-sumdb: a go.dev archive from a release mirror is checked against the database too")
    func verifyArchive() throws {
        let tarball = try EndToEndTests.fetchToolchain("1.22.10")
        try sandbox.publishFile(at: tarball.path, version: tarball.version, sha256: tarball.sha256, size: tarball.size)
        try sandbox.publish("go1.20.14")
        let honest = try server()
        let env = ["GOPROXY": honest.proxyURL, "GOSUMDB": honest.gosumdb]
        let install = try sandbox.gover("install", "1.22.10", "--verify-sumdb", env: env)
        #expect(install.status == 0, "\(install)")
        #expect(install.stderr.contains("Verified SHA256 \(tarball.sha256)"))
        #expect(install.stderr.contains("Verified h1:"), "\(install)")
        // Releases before go1.21.0 are not modules: said, and checked by the index alone.
        let old = try sandbox.gover("install", "1.20.14", env: env.merging(["GOVER_VERIFY_SUMDB": "1"]) { $1 })
        #expect(old.status == 0, "\(old)")
        #expect(old.stderr.contains("go1.20.14 is not in the checksum database"), "\(old)")
        honest.stop()

        // The same archive, and a database whose h1: for it differs: refused after the transfer.
        let other = try Sandbox()
        try other.publishFile(at: tarball.path, version: tarball.version, sha256: tarball.sha256, size: tarball.size)
        let lying = try server(["--wrong-h1", Self.real], log: "lying")
        let refused = try other.gover("install", "1.22.10", "--verify-sumdb", env: ["GOPROXY": lying.proxyURL, "GOSUMDB": lying.gosumdb])
        #expect(refused.status == 5, "\(refused)")
        #expect(refused.stderr.contains("does not match the checksum database"), "\(refused)")
        #expect(other.storeSnapshot().filter { $0.hasPrefix("go1") }.isEmpty, "\(other.storeSnapshot())")
        #expect(other.stagingEntries().isEmpty)
    }

    /// One hostile database, proxy or zip: exit status, message, and a store exactly as before.
    func expectRefused(_ options: [String] = [], env extra: [String: String] = [:], selector: String = "1.22.9",
                       keepingSavedTreeHead: Bool = false, status: Int32, mentions: String, downloads zip: Bool,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let server = try server(options)
        // Each fixture run is a database with its own history: what gover saved from another
        // would (rightly) make this one a fork.
        if !keepingSavedTreeHead { try? FileManager.default.removeItem(atPath: sandbox.root + "/cache/sumdb") }
        let before = sandbox.storeSnapshot()
        let result = try sandbox.gover("install", selector, env: proxyEnvironment(server).merging(extra) { $1 })
        #expect(result.status == status, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(mentions), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }.count == 1, "\(result)", sourceLocation: sourceLocation)
        #expect(sandbox.storeSnapshot() == before, sourceLocation: sourceLocation)
        #expect(sandbox.stagingEntries().isEmpty, sourceLocation: sourceLocation)
        let zips = server.requests().filter { $0.path.hasSuffix(".zip") }
        #expect(zips.isEmpty == !zip, "zip requests: \(zips)", sourceLocation: sourceLocation)
    }

    @Test("hostile databases: wrong h1, another version's record, no record, another key, corrupt tiles, an unusable relay")
    func hostileDatabases() throws {
        try addModule(Self.small)
        try addModule("v0.0.1-go1.22.8.linux-amd64")
        try expectRefused(["--wrong-h1", Self.small], status: 5, mentions: "does not match the checksum database", downloads: true)
        // An authentic record, for another version: proves nothing about this one.
        try expectRefused(["--lookup-answers", "\(Self.small)=v0.0.1-go1.22.8.linux-amd64"], status: 5,
                          mentions: "has no record for golang.org/toolchain@\(Self.small)", downloads: false)
        try expectRefused(["--no-record", Self.small], status: 5, mentions: "has no record", downloads: false)
        try expectRefused(["--sign-seed", "02"], status: 5, mentions: "does not verify", downloads: false)
        try expectRefused(["--corrupt-tile"], status: 5, mentions: "does not verify", downloads: false)
        // GOSUMDB names only the key, so the proxy is asked whether it relays the database.
        let relay = try server(["--supported-status", "500"], log: "relay")
        let before = sandbox.storeSnapshot()
        let unavailable = try sandbox.gover("install", "1.22.9", env: proxyEnvironment(relay, gosumdb: relay.verifierKey))
        #expect(unavailable.status == 4, "\(unavailable)")
        #expect(unavailable.stderr.contains("cannot reach the checksum database gover.test"), "\(unavailable)")
        #expect(sandbox.storeSnapshot() == before)
    }

    @Test("GOSUMDB=off and GOPROXY=off say why nothing can be installed (exit 2), before any download")
    func disabled() throws {
        try addModule(Self.small)
        try expectRefused(env: ["GOSUMDB": "off"], status: 2, mentions: "GOSUMDB=off", downloads: false)
        try expectRefused(env: ["GOPROXY": "off"], status: 2, mentions: "GOPROXY=off", downloads: false)
        try expectRefused(env: ["GOSUMDB": "sum.golang.org+zzz"], status: 2, mentions: "GOSUMDB=", downloads: false)
    }

    @Test("a tree head that forks from the one gover saw is refused; the saved head stays")
    func fork() throws {
        try addModule(Self.small)
        let first = try server(log: "first")
        try #require(try sandbox.gover("install", "1.22.9", env: proxyEnvironment(first)).status == 0)
        first.stop()
        let saved = try #require(FileManager.default.contents(atPath: sandbox.root + "/cache/sumdb/gover.test/latest"))

        // Same key, a history with one more record in front: not an extension of what was seen.
        try expectRefused(["--prepend-records", "1"], selector: "1.22.10", keepingSavedTreeHead: true, status: 5, mentions: "fork", downloads: false)
        #expect(FileManager.default.contents(atPath: sandbox.root + "/cache/sumdb/gover.test/latest") == saved)

        // An honest database again: accepted, the saved head moves forward or stays.
        let honest = try server(log: "honest")
        let again = try sandbox.gover("install", "1.22.10", env: proxyEnvironment(honest))
        #expect(again.status == 0, "\(again)")
    }

    @Test("hostile zips: outside the prefix, .., duplicates, a bomb; nothing lands outside staging", arguments: [
        "outside", "dotdot", "absolute", "duplicate", "control", "bomb",
    ])
    func hostileZips(kind: String) throws {
        let p = Self.prefix(Self.small)
        let escape = sandbox.directory + "/escaped-\(kind)"
        let go: ToolchainProxyFixture.ZipEntry = .data(name: p + "bin/go", text: "#!/bin/sh\necho go version go1.22.9 linux/amd64\n")
        var entries: [ToolchainProxyFixture.ZipEntry]
        var mentions: String
        switch kind {
        case "outside":
            entries = [go, .data(name: "golang.org/toolchain@v0.0.1-go1.22.8.linux-amd64/bin/go", text: "evil")]
            mentions = "outside the module's directory"
        case "dotdot":
            entries = [go, .data(name: p + "../../../../../../../../.." + escape, text: "evil")]
            mentions = ".."
        case "absolute":
            entries = [go, .data(name: escape, text: "evil")]
            mentions = "outside the module's directory"
        case "duplicate":
            entries = [go, .data(name: p + "bin/go", text: "#!/bin/sh\necho other\n")]
            mentions = "appears twice"
        case "control":
            // Refused by the entry rules, and named as the zip names it (not as go/bin/...).
            entries = [go, .data(name: p + "bin/a\u{7F}b", text: "x")]
            mentions = "@\(Self.small)/bin/a"
        default:
            // 520 MiB of zeros deflate to ~500 KiB: past the go command's 500 MiB module limit.
            let zeros = sandbox.directory + "/zeros"
            FileManager.default.createFile(atPath: zeros, contents: nil)
            try #require(truncate(zeros, 520 << 20) == 0)
            entries = [go, .file(name: p + "big", source: zeros)]
            mentions = "expand past"
        }
        try addModule(Self.small, entries: entries)
        try expectRefused(status: 6, mentions: mentions, downloads: true)
        #expect(!FileManager.default.fileExists(atPath: escape))
        unlink(sandbox.directory + "/zeros")
    }

    @Test("a zip entry marked as a symlink is unpacked as a regular file holding its target, as the go command does")
    func symlinkEntryIsAFile() throws {
        let p = Self.prefix(Self.small)
        let escape = sandbox.directory + "/escaped-symlink"
        // The unix mode of a zip entry lives in the central directory, which a streaming read
        // never trusts (the h1: covers names and contents only): the entry is a file.
        try addModule(Self.small, entries: [
            .data(name: p + "bin/go", text: "#!/bin/sh\necho go version go1.22.9 linux/amd64\n"),
            .symlink(name: p + "bin/gofmt", target: escape),
        ])
        let server = try server()
        let install = try sandbox.gover("install", "1.22.9", env: proxyEnvironment(server))
        #expect(install.status == 0, "\(install)")
        var info = stat()
        #expect(lstat(sandbox.root + "/go1.22.9/bin/gofmt", &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFREG)
        #expect(sandbox.read(sandbox.root + "/go1.22.9/bin/gofmt") == escape)
        #expect(!FileManager.default.fileExists(atPath: escape))
    }

    /// The go.dev archive of the synthetic go1.22.9: `addModule`'s files under `go/`, plus
    /// trees the module leaves out and `extra` entries (make-test-archive's JSON).
    func syntheticArchive(extra: [[String: Any]] = [], replacingGo: [String: Any]? = nil) -> [[String: Any]] {
        var entries: [[String: Any]] = [
            ["name": "go/", "type": "dir"],
            replacingGo ?? ["name": "go/bin/go", "data": "#!/bin/sh\necho go version go1.22.9 linux/amd64\n", "mode": 0o755],
            ["name": "go/src/go.mod", "data": "module std\n"],
            ["name": "go/src/cmd/go.mod", "data": "module cmd\n"],
            ["name": "go/src/make.bash", "data": "#!/bin/sh\n", "mode": 0o755],
            ["name": "go/pkg/tool/linux_amd64/compile", "data": "#!/bin/sh\n", "mode": 0o755],
            ["name": "go/VERSION", "data": "go1.22.9\n"],
            ["name": "go/misc/wasm/go_js_wasm_exec", "data": "#!/bin/sh\n", "mode": 0o755],
            ["name": "go/doc/go_spec.html", "data": "<html>"],
        ]
        entries += extra
        return entries
    }

    @Test("--verify-sumdb installs exactly what the module holds; links to what it does not, symlinks and overlapping sparse data are refused", arguments: [
        "honest", "hardlink-to-omitted", "symlink", "overlapping-sparse",
    ])
    func verifyArchiveRefusesWhatTheModuleCannotVouchFor(kind: String) throws {
        try addModule(Self.small)
        let evil = "#!/bin/sh\necho PWNED\n"
        switch kind {
        case "hardlink-to-omitted":
            // Found by review: a link's target outside the module was never hashed, and the
            // link replaced the verified bin/go.
            try sandbox.publish("go1.22.9", entries: syntheticArchive(extra: [
                ["name": "go/misc/x", "data": evil, "mode": 0o755], ["name": "go/bin/go", "type": "hardlink", "target": "go/misc/x"],
            ]))
        case "symlink":
            try sandbox.publish("go1.22.9", entries: syntheticArchive(extra: [
                ["name": "go/misc/evil.go", "data": "package os"], ["name": "go/src/os/zz.go", "type": "symlink", "target": "../../misc/evil.go"],
            ]))
        case "overlapping-sparse":
            // Blocks hashed in stream order but written by offset, later ones winning: the
            // genuine bytes, reordered on disk (the block sizes add up to the data stored).
            let genuine = "#!/bin/sh\necho go version go1.22.9 linux/amd64\n"
            try sandbox.publish("go1.22.9", entries: syntheticArchive(replacingGo: [
                "name": "go/bin/go", "data": genuine, "mode": 0o755, "sparse_map": "0,\(genuine.utf8.count - 4),0,4",
            ]))
        default:
            try sandbox.publish("go1.22.9", entries: syntheticArchive())
        }
        let database = try server()
        let env = ["GOPROXY": database.proxyURL, "GOSUMDB": database.gosumdb]
        let before = sandbox.storeSnapshot()
        let result = try sandbox.gover("install", "1.22.9", "--verify-sumdb", env: env)
        if kind == "honest" {
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("Verified h1:"), "\(result)")
            let installed = files(under: sandbox.root + "/go1.22.9")
            #expect(installed["src/go.mod"] != nil && installed["bin/go"]?.hasSuffix("x") == true, "\(installed)")
            // Not in the module, so not vouched for: not installed.
            #expect(installed.keys.allSatisfy { !$0.hasPrefix("misc/") && !$0.hasPrefix("doc/") }, "\(installed.keys.sorted())")
            return
        }
        #expect(result.status == 6, "\(result)")
        let reason = ["hardlink-to-omitted": "hard link to a file the toolchain module", "symlink": "not a regular file or a directory",
                      "overlapping-sparse": "overlap"][kind]!
        #expect(result.stderr.contains(reason), "\(result)")
        #expect(sandbox.storeSnapshot() == before)
        #expect(sandbox.stagingEntries().isEmpty)
    }

    @Test("a symlink where the saved tree head belongs is refused, not taken for 'nothing seen yet'")
    func symlinkedTreeHead() throws {
        try addModule(Self.small)
        let database = try server()
        try #require(try sandbox.gover("install", "1.22.9", env: proxyEnvironment(database)).status == 0)
        let latest = sandbox.root + "/cache/sumdb/gover.test/latest"
        try FileManager.default.moveItem(atPath: latest, toPath: sandbox.directory + "/copy")
        try FileManager.default.createSymbolicLink(atPath: latest, withDestinationPath: sandbox.directory + "/copy")
        let result = try sandbox.gover("install", "1.22.10", env: proxyEnvironment(database))
        #expect(result.status == 7, "\(result)")
        #expect(result.stderr.contains("refusing \(latest): it is a symlink"), "\(result)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: latest) == sandbox.directory + "/copy")
    }
}
