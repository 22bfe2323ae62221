import Foundation
import Testing

/// The toolchain-proxy fixture (issue 12) is only worth testing gover against if it is
/// faithful: the real go command (go1.23.4, switching to go1.22.10 with GOTOOLCHAIN) must
/// download the toolchain module from it and verify it against its checksum database, and
/// must refuse what each hostile mode serves. gover itself plays no part here.
@Suite("toolchain proxy fixture, checked with the real go command", .serialized,
       .enabled(if: ToolchainProxyFixture.isEnabled, Comment(rawValue: ToolchainProxyFixture.skipReason)))
struct ToolchainProxyFixtureTests {
    /// A temporary directory, removed with the test; the go command leaves its module cache
    /// read-only, so it is made writable first.
    final class Scratch {
        let path: String
        init() throws {
            var template = Array((NSTemporaryDirectory() + "gover-proxy-fixture-XXXXXX").utf8CString)
            guard mkdtemp(&template) != nil else { throw POSIXError(.EIO) }
            path = String(cString: template)
        }
        deinit {
            _ = try? runProgram("/bin/chmod", ["-R", "u+w", path])
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    let scratch: Scratch
    let proxy: (directory: String, version: String)

    init() throws {
        scratch = try Scratch()
        proxy = try ToolchainProxyFixture.packedGo12210()
    }

    func server(_ options: [String] = [], log: String = "requests") throws -> ToolchainProxyServer {
        try ToolchainProxyServer(directory: proxy.directory, options: options, logPath: scratch.path + "/" + log + ".log")
    }

    /// `go version` run by go1.23.4 with GOTOOLCHAIN=go1.22.10: the go command downloads
    /// golang.org/toolchain from `server` and checks it against the checksum database.
    /// Everything the go command keeps is under `work` (fresh unless reused on purpose);
    /// `gopath` holds what it remembers of the database (pkg/sumdb/<name>/latest).
    func goVersion(_ server: ToolchainProxyServer, work: String, gopath: String? = nil,
                   gosumdb: String? = nil) throws -> CommandResult {
        try FileManager.default.createDirectory(atPath: work + "/home", withIntermediateDirectories: true)
        return try runProgram(try ToolchainProxyFixture.goRoot() + "/bin/go", ["version"], environment: [
            "HOME": work + "/home", "PATH": "/usr/bin:/bin",
            "GOTOOLCHAIN": "go1.22.10", "GOPROXY": server.proxyURL, "GOSUMDB": gosumdb ?? server.gosumdb,
            "GOMODCACHE": work + "/modcache", "GOPATH": gopath ?? work + "/gopath", "GOCACHE": work + "/gocache",
            "GONOSUMDB": "", "GONOSUMCHECK": "", "GOPRIVATE": "", "GONOPROXY": "", "GOFLAGS": "",
            "GOTELEMETRY": "off",
        ], timeout: 180)
    }

    /// A GET with curl: status and body.
    func get(_ url: String) throws -> (status: Int, body: Data) {
        let bodyPath = scratch.path + "/body-" + UUID().uuidString
        defer { unlink(bodyPath) }
        let result = try runProgram("/usr/bin/curl", ["-s", "-o", bodyPath, "-w", "%{http_code}", url], timeout: 30)
        return (Int(result.stdout) ?? -1, FileManager.default.contents(atPath: bodyPath) ?? Data())
    }

    func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    var zipPath: String { "/golang.org/toolchain/@v/\(proxy.version).zip" }
    var lookupPath: String { "/sumdb/gover.test/lookup/golang.org/toolchain@\(proxy.version)" }

    @Test("go downloads go1.22.10 from the fixture and verifies it; a tree forking from the one it saw is refused")
    func goVerifiesAndDetectsAFork() throws {
        #expect(proxy.version == "v0.0.1-go1.22.10.linux-amd64")
        let honest = try server(log: "honest")
        let run = try goVersion(honest, work: scratch.path + "/first")
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout == "go version go1.22.10 linux/amd64\n", "\(run)")
        // The zip came from the fixture and was checked against its database: the record,
        // then the tile proving it is in the signed tree.
        let requests = honest.requests()
        #expect(requests.contains(.init(method: "GET", path: zipPath, status: 200)), "\(requests)")
        #expect(requests.contains(.init(method: "GET", path: lookupPath, status: 200)), "\(requests)")
        #expect(requests.contains { $0.path.hasPrefix("/sumdb/gover.test/tile/8/0/") && $0.status == 200 }, "\(requests)")
        // The record is go.sum's two lines; the go.mod hash is the well-known one of
        // "module golang.org/toolchain\n".
        let lookup = text(try get(honest.proxyURL + lookupPath).body)
        #expect(lookup.hasPrefix("0\ngolang.org/toolchain \(proxy.version) h1:"), "\(lookup)")
        #expect(lookup.contains("\ngolang.org/toolchain \(proxy.version)/go.mod h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0=\n"), "\(lookup)")
        #expect(lookup.contains("\ngo.sum database tree\n1\n"), "\(lookup)")
        #expect(try get(honest.proxyURL + "/sumdb/gover.test/supported").status == 200)
        #expect(try get(honest.proxyURL + "/golang.org/toolchain/@v/v9.9.9.zip").status == 404)
        #expect(text(try get(honest.proxyURL + "/golang.org/toolchain/@v/list").body) == proxy.version + "\n")
        honest.stop()

        // Same key, but two made-up records before the real one: the go command remembers
        // the 1-record tree in GOPATH/pkg/sumdb and finds the new tree does not extend it.
        let forked = try server(["--prepend-records", "2"], log: "forked")
        let second = try goVersion(forked, work: scratch.path + "/second", gopath: scratch.path + "/first/gopath")
        #expect(second.status != 0, "\(second)")
        #expect(second.stderr.contains("inconsistent tile") || second.stderr.contains("SECURITY ERROR"), "\(second)")
        #expect(second.stdout.isEmpty)
    }

    @Test("--wrong-h1: the go command reports a checksum mismatch, SECURITY ERROR")
    func wrongH1() throws {
        let hostile = try server(["--wrong-h1", proxy.version])
        let run = try goVersion(hostile, work: scratch.path + "/work")
        #expect(run.status != 0)
        #expect(run.stderr.contains("golang.org/toolchain@\(proxy.version): verifying module: checksum mismatch"), "\(run)")
        // go's own hash of the zip, then the database's (wrong) one.
        #expect(run.stderr.contains("\n\tdownloaded: h1:") && run.stderr.contains("\n\tgover.test: h1:"), "\(run)")
        #expect(run.stderr.contains("SECURITY ERROR"), "\(run)")
        #expect(run.stdout.isEmpty)
    }

    @Test("--sign-seed: a tree signed by another key has no verifiable signature for the go command")
    func otherSigner() throws {
        let hostile = try server(["--sign-seed", "02"])
        let run = try goVersion(hostile, work: scratch.path + "/work")
        #expect(run.status != 0)
        #expect(run.stderr.contains("verifying module: golang.org/toolchain@\(proxy.version)"), "\(run)")
        #expect(run.stderr.contains("note has no verifiable signatures"), "\(run)")
        // The note names the database but carries another key hash than the one GOSUMDB gives.
        let latest = text(try get(hostile.sumdbURL + "/latest").body)
        let honestHash = hostile.verifierKey.split(separator: "+")[1]
        #expect(latest.contains("— gover.test "), "\(latest)")
        #expect(try ToolchainProxyFixture.keygen(name: "gover.test", seed: "02").verifierKey.split(separator: "+")[1] != honestHash)
    }

    @Test("--no-record: lookup answers 404 \"not found\", and the go command refuses the module")
    func noRecord() throws {
        let hostile = try server(["--no-record", proxy.version])
        let run = try goVersion(hostile, work: scratch.path + "/work")
        #expect(run.status != 0)
        #expect(run.stderr.contains("verifying module: golang.org/toolchain@\(proxy.version): reading \(hostile.proxyURL)\(lookupPath): 404 Not Found"), "\(run)")
        #expect(run.stderr.contains("server response: not found"), "\(run)")
        let lookup = try get(hostile.proxyURL + lookupPath)
        #expect(lookup.status == 404 && text(lookup.body) == "not found\n")
    }

    @Test("--corrupt-tile: one byte flipped in each tile; the go command finds the tile inconsistent")
    func corruptTile() throws {
        let honest = try server(log: "honest")
        let hostile = try server(["--corrupt-tile"], log: "hostile")
        let good = try get(honest.sumdbURL + "/tile/8/0/000.p/1").body
        let bad = try get(hostile.sumdbURL + "/tile/8/0/000.p/1").body
        #expect(good.count == 32 && bad.count == 32)
        #expect(good.first != bad.first && good.dropFirst() == bad.dropFirst())
        honest.stop()
        let run = try goVersion(hostile, work: scratch.path + "/work")
        #expect(run.status != 0)
        #expect(run.stderr.contains("downloaded inconsistent tile"), "\(run)")
    }

    @Test("--supported-status 500: a go command that asks the proxy for the database fails on it")
    func supportedStatus() throws {
        let hostile = try server(["--supported-status", "500"])
        // GOSUMDB with the key alone: the go command asks each proxy for
        // <proxy>/sumdb/<name>/supported before it would go to the database directly.
        let run = try goVersion(hostile, work: scratch.path + "/work", gosumdb: hostile.verifierKey)
        #expect(run.status != 0)
        #expect(run.stderr.contains("reading \(hostile.sumdbURL)/supported: 500 Internal Server Error"), "\(run)")
        #expect(hostile.requests().contains(.init(method: "GET", path: "/sumdb/gover.test/supported", status: 500)))
    }

    /// The go command itself does NOT refuse this one: its client keeps the lines of the
    /// record that start with "<path> <version> " and, finding none, has nothing to compare
    /// (modfetch.checkSumDB returns nil). gover's verifier must be stricter; this test pins
    /// both the hostile answer's shape and go's leniency, so the reason is on record.
    @Test("--lookup-answers: an authentic record of another module, which the go command lets pass")
    func lookupAnswersAnotherRecord() throws {
        let hostile = try server(["--prepend-records", "2", "--lookup-answers", "\(proxy.version)=example.com/prepended1@v1.0.0"])
        let lookup = text(try get(hostile.proxyURL + lookupPath).body)
        #expect(lookup.hasPrefix("1\nexample.com/prepended1 v1.0.0 h1:"), "\(lookup)")
        #expect(!lookup.contains("golang.org/toolchain"), "\(lookup)")
        #expect(lookup.contains("\ngo.sum database tree\n3\n"), "\(lookup)")
        // A fresh go command accepts the record, its proof, and so a tree with prepended
        // records: the fork refused in goVerifiesAndDetectsAFork is refused for being a fork.
        let run = try goVersion(hostile, work: scratch.path + "/work")
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout == "go version go1.22.10 linux/amd64\n")
        #expect(hostile.requests().contains { $0.path.hasPrefix("/sumdb/gover.test/tile/8/0/000.p/3") })
    }

    @Test("--drop-records: a smaller tree that is a prefix of the full one; dropped records are not found")
    func dropRecords() throws {
        let full = try server(["--prepend-records", "2"], log: "full")
        let older = try server(["--prepend-records", "2", "--drop-records", "1"], log: "older")
        let fullLatest = text(try get(full.sumdbURL + "/latest").body).split(separator: "\n")
        let olderLatest = text(try get(older.sumdbURL + "/latest").body).split(separator: "\n")
        #expect(fullLatest.prefix(2) == ["go.sum database tree", "3"])
        #expect(olderLatest.prefix(2) == ["go.sum database tree", "2"])
        let fullRecords = try get(full.sumdbURL + "/tile/8/data/000.p/3")
        let olderRecords = try get(older.sumdbURL + "/tile/8/data/000.p/2")
        #expect(fullRecords.status == 200 && olderRecords.status == 200)
        #expect(text(fullRecords.body).hasPrefix(text(olderRecords.body)) && olderRecords.body.count > 0)
        #expect(try get(older.proxyURL + lookupPath).status == 404)
    }

    @Test("--order and one record per zip: records in the order given, each with go.sum's two lines")
    func recordOrder() throws {
        // Two small module versions made with `zip` (hashing the 70 MB one would take longer).
        let directory = scratch.path + "/proxy"
        let versions = directory + "/golang.org/toolchain/@v"
        try FileManager.default.createDirectory(atPath: versions, withIntermediateDirectories: true)
        let (older, newer) = ("v0.0.1-go1.22.9.linux-amd64", "v0.0.1-go1.22.10.linux-amd64")
        for version in [older, newer] {
            try ToolchainProxyFixture.makeZip(at: versions + "/" + version + ".zip", entries: [
                .data(name: "golang.org/toolchain@\(version)/VERSION", text: version),
            ])
            try "module golang.org/toolchain\n".write(toFile: versions + "/" + version + ".mod", atomically: true, encoding: .utf8)
        }
        // Sorted by default: "...go1.22.10..." < "...go1.22.9..." as strings.
        for (order, first, second) in [([String](), newer, older), ([older, newer], older, newer), ([older], older, newer)] {
            let server = try ToolchainProxyServer(directory: directory, options: order.isEmpty ? [] : ["--order", order.joined(separator: ",")],
                                                  logPath: scratch.path + "/order.log")
            // A data tile holds the records as the lookup does: "<id>\n<go.sum lines>\n".
            let records = text(try get(server.sumdbURL + "/tile/8/data/000.p/2").body)
            let pattern = "^0\ngolang.org/toolchain \(first) h1:\\S+\ngolang.org/toolchain \(first)/go.mod h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0=\n\n"
                + "1\ngolang.org/toolchain \(second) h1:\\S+\ngolang.org/toolchain \(second)/go.mod h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0=\n\n$"
            #expect(records.range(of: pattern, options: .regularExpression) != nil, "\(order): \(records)")
            server.stop()
        }
    }

    @Test("pack follows distpack: file selection, _go.mod, modes, order, prefix, .mod, .info, list")
    func packSmallTree() throws {
        let tree = scratch.path + "/tree/go"
        let files = [
            "VERSION": "go1.99.1\ntime 2024-01-02T03:04:05Z\n", "bin/go": "go", "bin/extra": "x",
            "api/next.txt": "", "doc/a.html": "", "misc/m": "", "test/t.go": "",
            "src/go.mod": "module std\n", "src/cmd/go.mod": "module cmd\n", "src/x.sh": "#!/bin/sh\n",
            "src/a/b.go": "package a\n", "src/a.go": "package src\n",
            "pkg/include/x.h": "", "pkg/tool/linux_amd64/compile": "c", "pkg/tool/linux_amd64/dist": "d",
            "pkg/tool/darwin_arm64/compile": "c", "pkg/linux_amd64/fmt.a": "",
        ]
        for (name, content) in files {
            let path = tree + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: path, atomically: false, encoding: .utf8)
        }
        let tarball = scratch.path + "/go1.99.1.linux-amd64.tar.gz"
        #expect(try runProgram("/usr/bin/tar", ["-czf", tarball, "-C", scratch.path + "/tree", "go"]).status == 0)
        let out = scratch.path + "/packed"
        let version = try ToolchainProxyFixture.pack(tarball: tarball, into: out)
        #expect(version == "v0.0.1-go1.99.1.linux-amd64")
        let base = out + "/golang.org/toolchain/@v/" + version
        #expect(try String(contentsOfFile: base + ".mod", encoding: .utf8) == "module golang.org/toolchain\n")
        #expect(try String(contentsOfFile: base + ".info", encoding: .utf8)
            == "{\"Version\":\"\(version)\", \"Time\":\"2024-01-02T03:04:05Z\"}\n")
        // Packing again does not list the version twice.
        try ToolchainProxyFixture.pack(tarball: tarball, into: out)
        #expect(try String(contentsOfFile: out + "/golang.org/toolchain/@v/list", encoding: .utf8) == version + "\n")

        let prefix = "golang.org/toolchain@\(version)/"
        let names = try runProgram("/usr/bin/unzip", ["-Z1", base + ".zip"]).stdout.split(separator: "\n").map(String.init)
        #expect(names == ["VERSION", "bin/go", "pkg/include/x.h", "pkg/tool/linux_amd64/compile", "src/_go.mod",
                          "src/a/b.go", "src/a.go", "src/cmd/_go.mod", "src/x.sh"].map { prefix + $0 })
        let listing = try runProgram("/usr/bin/unzip", ["-Z", base + ".zip"]).stdout.split(separator: "\n")
        func line(_ name: String) -> String { String(listing.first { $0.hasSuffix(" " + prefix + name) } ?? "") }
        for executable in ["bin/go", "pkg/tool/linux_amd64/compile", "src/x.sh"] {
            #expect(line(executable).hasPrefix("-rwxr-xr-x"), "\(line(executable))")
        }
        #expect(line("src/a.go").hasPrefix("-rw-r--r--") && line("src/a.go").contains(" unx "), "\(line("src/a.go"))")
        #expect(line("src/a.go").contains(" defX ") || line("src/a.go").contains(" defN "), "\(line("src/a.go"))")
    }

    @Test("zip writes hostile names verbatim, duplicates and symlinks included")
    func hostileZip() throws {
        let source = scratch.path + "/source"
        try "from a file".write(toFile: source, atomically: true, encoding: .utf8)
        let path = scratch.path + "/hostile.zip"
        try ToolchainProxyFixture.makeZip(at: path, entries: [
            .data(name: "../x", text: "up"), .data(name: "/abs", text: "root"),
            .file(name: "golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64/a", source: source),
            .data(name: "dup", text: "1"), .data(name: "dup", text: "2"),
            .symlink(name: "link", target: "../../etc/passwd"),
        ])
        let names = try runProgram("/usr/bin/unzip", ["-Z1", path]).stdout.split(separator: "\n")
        #expect(names == ["../x", "/abs", "golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64/a", "dup", "dup", "link"])
        let listing = try runProgram("/usr/bin/unzip", ["-Z", path]).stdout
        #expect(listing.split(separator: "\n").contains { $0.hasPrefix("lrwxrwxrwx") && $0.hasSuffix(" link") }, "\(listing)")
        let body = try runProgram("/usr/bin/unzip", ["-p", path, "golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64/a"])
        #expect(body.stdout == "from a file")
        let link = try runProgram("/usr/bin/unzip", ["-p", path, "link"])
        #expect(link.stdout == "../../etc/passwd")

        // The same from a list file, one NAME=SOURCE a line, mixed with arguments.
        let list = scratch.path + "/entries"
        try "../y=\(source)\n/etc/z=\(source)\n".write(toFile: list, atomically: true, encoding: .utf8)
        try ToolchainProxyFixture.run(["zip", "--out", path, "first=" + source, "--list", list, "--symlink", "l=t"])
        #expect(try runProgram("/usr/bin/unzip", ["-Z1", path]).stdout == "first\n../y\n/etc/z\nl\n")
    }

    @Test("keygen is deterministic per seed and prints name+hash+key")
    func keygen() throws {
        let first = try ToolchainProxyFixture.keygen(name: "gover.test", seed: "01")
        let again = try ToolchainProxyFixture.keygen(name: "gover.test", seed: "01")
        let other = try ToolchainProxyFixture.keygen(name: "gover.test", seed: "02")
        #expect(first == again)
        #expect(first.verifierKey != other.verifierKey)
        let parts = first.verifierKey.split(separator: "+")
        #expect(parts.count == 3 && parts[0] == "gover.test" && parts[1].count == 8, "\(first)")
        #expect(Data(base64Encoded: String(parts[2]))?.count == 33) // algorithm byte + Ed25519 public key
        #expect(first.signerKey.hasPrefix("PRIVATE+KEY+gover.test+\(parts[1])+"), "\(first)")
    }
}
