import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import GoverCore

@Suite("Release index decoding")
struct IndexTests {
    /// Trimmed from the real go.dev index, quirks included.
    static let json = """
    [
      {"version": "go1.23rc1", "stable": false, "files": [
        {"filename": "go1.23rc1.linux-amd64.tar.gz", "os": "linux", "arch": "amd64", "version": "go1.23rc1",
         "sha256": "\(String(repeating: "a", count: 64))", "size": 100, "kind": "archive"}]},
      {"version": "go1.22.5", "stable": true, "files": [
        {"filename": "go1.22.5.src.tar.gz", "os": "", "arch": "", "version": "go1.22.5",
         "sha256": "\(String(repeating: "1", count: 64))", "size": 27000000, "kind": "source"},
        {"filename": "go1.22.5.darwin-arm64.pkg", "os": "darwin", "arch": "arm64", "version": "go1.22.5",
         "sha256": "\(String(repeating: "2", count: 64))", "size": 65000000, "kind": "installer"},
        {"filename": "go1.22.5.darwin-arm64.tar.gz", "os": "darwin", "arch": "arm64", "version": "go1.22.5",
         "sha256": "\(String(repeating: "3", count: 64))", "size": 65000000, "kind": "archive"},
        {"filename": "go1.22.5.linux-amd64.tar.gz", "os": "linux", "arch": "amd64", "version": "go1.22.5",
         "sha256": "\(String(repeating: "4", count: 64))", "size": 68000000, "kind": "archive"},
        {"filename": "go1.22.5.linux-armv6l.tar.gz", "os": "linux", "arch": "armv6l", "version": "go1.22.5",
         "sha256": "\(String(repeating: "5", count: 64))", "size": 65000000, "kind": "archive"},
        {"filename": "go1.22.5.windows-amd64.zip", "os": "windows", "arch": "amd64", "version": "go1.22.5",
         "sha256": "\(String(repeating: "6", count: 64))", "size": 70000000, "kind": "archive"}]},
      {"version": "go1.9.2rc2", "stable": false, "files": []},
      {"version": "go1.4.3", "stable": true, "files": [
        {"filename": "go1.4.3.darwin-amd64-osx10.6.tar.gz", "os": "darwin", "arch": "amd64", "version": "go1.4.3",
         "sha256": "", "size": 0, "kind": "archive"},
        {"filename": "go1.4.3.darwin-amd64-osx10.8.tar.gz", "os": "darwin", "arch": "amd64", "version": "go1.4.3",
         "sha256": "", "size": 0, "kind": "archive"},
        {"filename": "go1.4.3.linux-arm6.tar.gz", "os": "linux", "arch": "arm6", "version": "go1.4.3",
         "sha256": "\(String(repeating: "7", count: 64))", "size": 50000000, "kind": "archive"}]},
      {"version": "go1", "stable": true, "files": [
        {"filename": "go1.bootstrap.tar.gz", "os": "4", "arch": "bootstrap", "version": "go1",
         "sha256": "", "size": 0, "kind": "archive"}]},
      {"version": "weekly.2012-03-27", "stable": true, "files": []},
      {"stable": true},
      {"version": "go1.22.5", "stable": true, "files": []}
    ]
    """

    func decode() throws -> ReleaseIndex {
        try ReleaseIndex(json: Data(Self.json.utf8))
    }

    @Test("decodes, newest first, dropping unparseable and duplicate versions")
    func ordering() throws {
        let names = try decode().versions.map(\.name)
        #expect(names == ["go1.23rc1", "go1.22.5", "go1.9.2rc2", "go1.4.3"])
    }

    @Test("stable is false for betas and rcs whatever the data says")
    func stability() throws {
        let index = try decode()
        #expect(index.releases.first?.stable == false)
        #expect(index.release(GoVersion("go1.22.5")!)?.stable == true)
    }

    @Test("picks the .tar.gz archive for a platform, never an installer, source or zip")
    func archiveChoice() throws {
        let release = try #require(try decode().release(GoVersion("go1.22.5")!))
        #expect(release.archive(for: Platform(os: "linux", arch: "amd64"))?.filename == "go1.22.5.linux-amd64.tar.gz")
        #expect(release.archive(for: Platform(os: "darwin", arch: "arm64"))?.filename == "go1.22.5.darwin-arm64.tar.gz")
        #expect(release.archive(for: Platform(os: "windows", arch: "amd64")) == nil)
        #expect(release.archive(for: Platform(os: "linux", arch: "riscv64")) == nil)
    }

    @Test("old arm6 spelling and duplicate darwin archives are handled")
    func oldQuirks() throws {
        let release = try #require(try decode().release(GoVersion("go1.4.3")!))
        #expect(release.archive(for: Platform(os: "linux", arch: "armv6l"))?.filename == "go1.4.3.linux-arm6.tar.gz")
        let darwin = try #require(release.archive(for: Platform(os: "darwin", arch: "amd64")))
        #expect(darwin.filename == "go1.4.3.darwin-amd64-osx10.6.tar.gz")
        #expect(!darwin.hasDigest)
    }

    @Test("the go1 bootstrap pseudo-release is dropped: not installable, listed or suggested")
    func bootstrap() throws {
        let index = try decode()
        #expect(index.release(GoVersion("go1")!) == nil)
        #expect(!index.versions.contains { $0.name == "go1" })
    }

    @Test("--remote view: newest patch per line, plus newer pre-releases")
    func newestPerLine() throws {
        #expect(try decode().newestPerLine().map(\.version.name) == ["go1.23rc1", "go1.22.5", "go1.4.3"])
    }

    @Test("not-found errors name the nearest versions")
    func notFound() throws {
        let index = try decode()
        #expect(throws: GoverError.versionNotFound(selector: "1.22.6", nearest: ["1.4.3", "1.22.5", "1.23rc1"])) {
            try index.resolve(VersionSelector(parsing: "1.22.6"), selectorText: "1.22.6")
        }
    }

    @Test("garbage is reported, not crashed on", arguments: ["", "{}", "<html>", "[1,2]", "{\"version\":1}"])
    func garbage(text: String) {
        #expect(throws: GoverError.self) { try ReleaseIndex(json: Data(text.utf8)) }
    }

    @Test("the installer refuses files without a digest unless one is given")
    func missingDigest() throws {
        let index = try decode()
        let context = GoverContext(store: Store(root: "/nonexistent"), sources: MirrorSources(),
                                   platform: Platform(os: "darwin", arch: "amd64"), offline: true,
                                   indexTimeToLive: 0, reporter: Reporter(mode: .quiet), http: HTTPClient())
        let installer = Installer(context: context)
        #expect(throws: GoverError.missingChecksum(file: "go1.4.3.darwin-amd64-osx10.6.tar.gz")) {
            try installer.plan(selector: "1.4.3", index: index)
        }
        let digest = String(repeating: "b", count: 64)
        let plan = try installer.plan(selector: "1.4.3", index: index, sha256: digest.uppercased())
        #expect(plan.sha256 == digest)
        #expect(plan.url == "https://dl.google.com/go/go1.4.3.darwin-amd64-osx10.6.tar.gz")
    }

    @Test("archive names tell their version", arguments: [
        ("go1.22.5.linux-amd64.tar.gz", "go1.22.5"), ("go1.21rc2.darwin-arm64.tar.gz", "go1.21rc2"),
        ("go1.20.linux-386.tar.gz", "go1.20"),
    ])
    func archiveNames(name: String, version: String) {
        #expect(Installer.version(fromArchiveName: name)?.name == version)
    }

    @Test("mirrors: GOVER_MIRROR replaces index and files, GOVER_INDEX_URL only the index")
    func mirrors() {
        let china = MirrorSources(mirror: "china", indexOverride: nil)
        #expect(china.indexURLs == ["https://golang.google.cn/dl/?mode=json&include=all", MirrorSources.officialIndex])
        #expect(china.urls(of: "go1.22.5.linux-amd64.tar.gz") == ["https://golang.google.cn/dl/go1.22.5.linux-amd64.tar.gz"])
        let custom = MirrorSources(mirror: "http://127.0.0.1:8080/go", indexOverride: "https://example.test/index.json")
        #expect(custom.indexURLs == ["https://example.test/index.json"])
        #expect(custom.fileBaseURLs == ["http://127.0.0.1:8080/go/"])
        #expect(custom.insecureMirror(indexUsed: custom.indexURL) == nil)
        let local = MirrorSources(mirror: "file:///srv/go/", indexOverride: nil)
        #expect(local.indexURL == "file:///srv/go/index.json")
        let official = MirrorSources(mirror: nil, indexOverride: nil)
        #expect(official.indexURLs == ["https://go.dev/dl/?mode=json&include=all"])
        #expect(official.fileBaseURLs == ["https://dl.google.com/go/"])
    }

    @Test("a mirror list is tried in order; each mirror's index first, go.dev's last")
    func mirrorList() {
        let sources = MirrorSources(mirror: " http://a.test/dl ,china, official", indexOverride: nil)
        #expect(sources.fileBaseURLs == ["http://a.test/dl/", "https://golang.google.cn/dl/", "https://dl.google.com/go/"])
        #expect(sources.indexURLs == ["http://a.test/dl/?mode=json&include=all",
                                      "https://golang.google.cn/dl/?mode=json&include=all",
                                      "https://go.dev/dl/?mode=json&include=all"])
        #expect(sources.insecureMirror(indexUsed: sources.indexURLs[0]) == "http://a.test/dl/")
        #expect(sources.insecureMirror(indexUsed: sources.indexURLs[2]) == nil)
    }
}

@Suite("Retry policy and failure classification")
struct RetryTests {
    @Test("backoff grows exponentially with jitter, capped; Retry-After wins")
    func backoff() {
        let policy = RetryPolicy(retries: 5, baseDelay: 1)
        for attempt in 1...6 {
            let delay = policy.delay(beforeRetry: attempt, retryAfter: nil)
            let nominal = min(30, Double(1 << (attempt - 1)))
            #expect(delay >= nominal * 0.5 && delay < nominal, "attempt \(attempt): \(delay)")
        }
        #expect(policy.delay(beforeRetry: 1, retryAfter: 7) == 7)
        #expect(policy.delay(beforeRetry: 1, retryAfter: 3600) == 60)
    }

    @Test("environment overrides", arguments: [(["GOVER_RETRIES": "0"], 0, 1.0), (["GOVER_RETRIES": "9", "GOVER_RETRY_DELAY": "0.25"], 9, 0.25),
                                                (["GOVER_RETRIES": " ", "GOVER_RETRY_DELAY": ""], 4, 1.0)])
    func environment(env: [String: String], retries: Int, delay: Double) throws {
        let policy = try RetryPolicy(environment: env)
        #expect(policy.retries == retries)
        #expect(policy.baseDelay == delay)
    }

    @Test("hostile environment numbers are refused, naming the variable", arguments: [
        ("GOVER_RETRIES", "-3"), ("GOVER_RETRIES", "1e9"), ("GOVER_RETRIES", "21"), ("GOVER_RETRIES", "x"),
        ("GOVER_RETRY_DELAY", "nan"), ("GOVER_RETRY_DELAY", "inf"), ("GOVER_RETRY_DELAY", "0x10"), ("GOVER_RETRY_DELAY", "61"),
        ("GOVER_LOW_SPEED_TIME", "9223372036854775807"), ("GOVER_LOW_SPEED_TIME", "0"), ("GOVER_CONNECT_TIMEOUT", "+5"),
        ("GOVER_LOW_SPEED_LIMIT", "99999999999999999999"), ("GOVER_INDEX_TTL", "3600.5"), ("GOVER_INDEX_TIMEOUT", "1.0"),
        ("GOVER_DOWNLOAD_TIMEOUT", "-1"),
    ])
    func hostileEnvironment(name: String, value: String) {
        let number = EnvironmentNumber.all.first { $0.name == name }!
        #expect {
            if number.allowsFraction { _ = try number.decimal(in: [name: value]) } else { _ = try number.integer(in: [name: value]) }
        } throws: { error in
            guard case GoverError.invalidEnvironment(name, value, _)? = error as? GoverError else { return false }
            return (error as! GoverError).exitCode == 2
        }
    }

    @Test("Retry-After: delta-seconds and HTTP-dates only, bounded", arguments: [
        ("120", 120.0 as Double?), ("0", 0), ("99999999999999999999999", 86_400), ("nan", nil), ("inf", nil), ("-1", nil),
        ("1e30", nil), ("1.5", nil), ("", nil), ("Thu, 01 Jan 1970 00:00:00 GMT", 0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0), ("Fri, 01 Jan 2100 00:00:00 GMT", 86_400), ("Sun, 06 Nov 1994 25:49:37 GMT", nil),
    ])
    func retryAfter(value: String, seconds: Double?) {
        #expect(HeaderValues.retryAfterSeconds(value, now: 1_700_000_000) == seconds)
    }

    @Test("a date 30 s ahead waits 30 s")
    func retryAfterDate() {
        #expect(HeaderValues.retryAfterSeconds("Tue, 14 Nov 2023 22:13:50 GMT", now: 1_700_000_000) == 30)
    }

    @Test("Content-Range: only a consistent header gives a start", arguments: [
        ("bytes 100-199/200", 100 as Int64?), ("bytes 0-0/*", 0), ("bytes 100-99/200", nil), ("bytes 100-200/200", nil),
        ("bytes -5-10/20", nil), ("bytes 99999999999999999999-1/2", nil), ("bytes 1-2", nil), ("items 1-2/3", nil),
        ("bytes 9223372036854775807-9223372036854775807/*", nil),
    ])
    func contentRange(value: String, start: Int64?) {
        #expect(HeaderValues.contentRangeStart(value) == start)
    }

    @Test("what is transient, what moves to the next mirror", arguments: [
        (TransferError.Kind.status(500, retryAfter: nil), true, true),
        (.status(503, retryAfter: 2), true, true),
        (.status(429, retryAfter: 1), true, true),
        (.status(408, retryAfter: nil), true, true),
        (.status(404, retryAfter: nil), false, true),
        (.status(403, retryAfter: nil), false, false),
        (.connection(code: 7, reason: "refused"), true, true),
        (.connection(code: 28, reason: "timeout"), true, true),
        (.connection(code: 56, reason: "reset"), true, true),
        (.connection(code: 60, reason: "certificate"), false, false),
        (.aborted, false, false),
    ])
    func classification(kind: TransferError.Kind, transient: Bool, nextMirror: Bool) {
        let error = TransferError(url: "http://x.test/f", kind: kind)
        #expect(error.isTransient == transient)
        #expect(error.triesNextMirror == nextMirror)
    }
}

@Suite("Index cache file")
struct IndexCacheFileTests {
    @Test("round trip keeps releases, files, digests and validators")
    func roundTrip() throws {
        let index = try ReleaseIndex(json: Data(IndexTests.json.utf8))
        let file = IndexCacheFile(url: "https://go.dev/dl/?mode=json&include=all", etag: "\"abc\"",
                                  lastModified: "Tue, 01 Oct 2024 00:00:00 GMT", fetchedAt: 1_700_000_000.5, index: index)
        let decoded = try #require(IndexCacheFile(bytes: file.encoded()))
        #expect(decoded.url == file.url)
        #expect(decoded.etag == "\"abc\"")
        #expect(decoded.lastModified == file.lastModified)
        #expect(decoded.fetchedAt == 1_700_000_000.5)
        #expect(decoded.index.releases == index.releases)
    }

    @Test("versions only: the same releases without files, file lines neither parsed nor refused")
    func versionsOnly() throws {
        let index = try ReleaseIndex(json: Data(IndexTests.json.utf8))
        let bytes = IndexCacheFile(url: "u", etag: nil, lastModified: nil, fetchedAt: 1, index: index).encoded()
        let partial = try #require(IndexCacheFile(bytes: bytes, versionsOnly: true))
        #expect(partial.index.releases.map(\.version) == index.releases.map(\.version))
        #expect(partial.index.releases.map(\.stable) == index.releases.map(\.stable))
        #expect(partial.index.releases.allSatisfy { $0.files.isEmpty })
        let hostile = "\(Self.header)go1.22.5\t1\t1\n\t../../x.tar.gz\tlinux\tamd64\tarchive\t10\t\(Self.digest)\n"
        #expect(IndexCacheFile(bytes: Array(hostile.utf8), versionsOnly: true)?.index.versions.map(\.name) == ["go1.22.5"])
        #expect(IndexCacheFile(bytes: Array(hostile.utf8)) == nil)
        // Fewer release lines than the header says is not a cache file.
        #expect(IndexCacheFile(bytes: Array("\(Self.header)\tx\n".utf8), versionsOnly: true) == nil)
    }

    @Test("the release lines come first: a file's first bytes list its versions, a line cut short is not read")
    func versionsFromPrefix() throws {
        let releases = (0..<400).map { n in
            Release(version: GoVersion("go1.\(n / 20 + 1).\(n % 20 + 1)")!, stable: true, files: (0..<30).map { k in
                ReleaseFile(filename: "go1.\(n / 20 + 1).\(n % 20 + 1).p\(k)-amd64.tar.gz", os: "p\(k)", arch: "amd64",
                            version: "go1.\(n / 20 + 1).\(n % 20 + 1)", sha256: Self.digest, size: 70_000_000, kind: "archive")
            })
        }
        let index = ReleaseIndex(releases: releases)
        let bytes = IndexCacheFile(url: "u", etag: nil, lastModified: nil, fetchedAt: 1, index: index).encoded()
        #expect(bytes.count > 1 << 20)
        let whole = try #require(IndexCacheFile(bytes: bytes))
        let wholeMatches = whole.index.releases == index.releases
        #expect(wholeMatches)
        let prefix = try #require(IndexCacheFile(bytes: Array(bytes.prefix(IndexCacheFile.versionsPrefix)), versionsOnly: true, truncated: true))
        let prefixMatches = prefix.index.versions == index.versions
        #expect(prefixMatches)
        // Cut inside the release lines: "go1.20.1" cut to "go1.2" must not become a release.
        let releaseLines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n\n")[0].utf8.count + 2
        let cut = Array(bytes.prefix(releaseLines + 10 * 11 + 5))
        #expect(IndexCacheFile(bytes: cut, versionsOnly: true, truncated: true) == nil)
        #expect(IndexCacheFile(bytes: cut, versionsOnly: false, truncated: true) == nil)
        // A whole file must have exactly its counted file lines.
        #expect(IndexCacheFile(bytes: Array(bytes.dropLast(80))) == nil)
        #expect(IndexCacheFile(bytes: bytes + Array("\tgo1.1.1.x-amd64.tar.gz\tx\tamd64\tarchive\t10\t\(Self.digest)\n".utf8)) == nil)
    }

    @Test("anything else is not a cache file", arguments: [
        "", "{}", "gover-index-cache 2\n", "gover-index-cache 2\nurl\tx\n\ngo1.22\t1\t0\n",
        "gover-index-cache 1\nurl\tx\nfetched-at\t1\n\ngo1.22.5\t1\n",
        "gover-index-cache 2\nurl\tx\nfetched-at\t1\nreleases\t99999999\n\ngo1.22.5\t1\t0\n",
        "gover-index-cache 2\nurl\tx\nfetched-at\t1\nreleases\t1\n\ngo1.22.5\t1\t-1\n",
        "gover-index-cache 2\nurl\tx\nfetched-at\t1\nreleases\t1\n\ngo1.22.5\t7\t0\n",
        "gover-index-cache 2\nurl\tx\nfetched-at\t1\nreleases\t1\n\ngo1.22.5\t1\t1\n",
    ] + ["+10", "-10", "1e3", " 10", "", "1234567890123456789", "0x10", "١٠"].map {
        // File sizes the cache's writer never puts there (the last one in Arabic-Indic digits).
        "gover-index-cache 2\nurl\tx\nfetched-at\t1\nreleases\t1\n\ngo1.22.5\t1\t1\n\tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t\($0)\t\(IndexCacheFileTests.digest)\n"
    })
    func rejects(text: String) {
        #expect(IndexCacheFile(bytes: Array(text.utf8)) == nil)
    }

    @Test("a file size is read as the writer wrote it: up to 18 digits")
    func sizes() throws {
        for size in ["0", "10", "123456789012345678"] {
            let text = "gover-index-cache 2\nurl\tx\nfetched-at\t1\nreleases\t1\n\ngo1.22.5\t1\t1\n\tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t\(size)\t\(Self.digest)\n"
            let cache = IndexCacheFile(bytes: Array(text.utf8))
            // Above the index's 16 GiB bound is refused like in the JSON.
            #expect(cache?.index.releases.first?.files.first?.size == (size.count < 18 ? Int64(size) : nil), "\(size)")
        }
    }

    @Test("the cache keeps the JSON decoder's rules: one release per version, stable only if the version is")
    func decoderRules() throws {
        let twice = "gover-index-cache 2\nurl\tx\nfetched-at\t1\nreleases\t2\n\ngo1.22.5\t1\t0\n1.22.5\t1\t0\n"
        #expect(IndexCacheFile(bytes: Array(twice.utf8)) == nil)
        #expect(IndexCacheFile(bytes: Array(twice.utf8), versionsOnly: true) == nil)
        let candidate = try #require(IndexCacheFile(bytes: Array("\(Self.header)go1.23rc1\t1\t0\n".utf8)))
        #expect(candidate.index.releases.map(\.stable) == [false])
    }

    @Test("validators from the file are sent back only if a response header could have carried them")
    func hostileValidators() throws {
        let injected = "gover-index-cache 2\nurl\tx\netag\t\"a\"\rX-Evil: 1\nlast-modified\t\u{1B}[2J\nfetched-at\t1\nreleases\t0\n\n"
        let cache = try #require(IndexCacheFile(bytes: Array(injected.utf8)))
        #expect(cache.etag == nil)
        #expect(cache.lastModified == nil)
        let plain = try #require(IndexCacheFile(bytes: Array("gover-index-cache 2\nurl\tx\netag\t\"a\"\nfetched-at\t1\nreleases\t0\n\n".utf8)))
        #expect(plain.etag == "\"a\"")
    }

    @Test("a file of empty or repeated header lines is refused without splitting it all")
    func hostileShape() {
        let newlines = Array("gover-index-cache 2\n".utf8) + [UInt8](repeating: UInt8(ascii: "\n"), count: 8 << 20)
        #expect(IndexCacheFile(bytes: newlines) == nil)
        let repeated = "gover-index-cache 2\n" + String(repeating: "url\tx\n", count: 100_000) + "fetched-at\t1\nreleases\t0\n\n"
        #expect(IndexCacheFile(bytes: Array(repeated.utf8)) == nil)
    }

    static let header = "gover-index-cache 2\nurl\tx\netag\t\nlast-modified\t\nfetched-at\t1\nreleases\t1\n\n"
    static let digest = String(repeating: "a", count: 64)

    @Test("a cache line the JSON decoder would refuse makes the whole file unusable (refetched)", arguments: [
        "\t../../x.tar.gz\tlinux\tamd64\tarchive\t10\t\(digest)", "\tgo\u{1B}[2K.tar.gz\tlinux\tamd64\tarchive\t10\t\(digest)",
        "\tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t9223372036854775807\t\(digest)",
        "\tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t-1\t\(digest)",
        "\tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t1e3\t\(digest)",
        "\tgo1.22.5.linux-amd64.tar.gz\tlinux/x\tamd64\tarchive\t10\t\(digest)",
        // Past the printable-ASCII fast paths: NUL, C1 and bidi controls, escapes in the digest,
        // a non-ASCII word, an overlong name, a dot file spelled with a combining mark.
        "\tgo\u{0}.tar.gz\tlinux\tamd64\tarchive\t10\t\(digest)", "\tgo\u{9B}2K.tar.gz\tlinux\tamd64\tarchive\t10\t\(digest)",
        "\tgo\u{202E}zg.rat.tar.gz\tlinux\tamd64\tarchive\t10\t\(digest)",
        "\tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t10\t\u{1B}]0;x\u{7}",
        "\tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t10\tab\u{0}cd",
        "\tgo1.22.5.linux-amd64.tar.gz\tlinüx\tamd64\tarchive\t10\t\(digest)",
        "\t\(String(repeating: "g", count: 201)).tar.gz\tlinux\tamd64\tarchive\t10\t\(digest)",
        "\t.\u{301}x.tar.gz\tlinux\tamd64\tarchive\t10\t\(digest)",
    ])
    func hostileLine(line: String) {
        let header = Self.header + "go1.22.5\t1\t1\n"
        #expect(IndexCacheFile(bytes: Array((header + line + "\n").utf8)) == nil)
        let good = "\tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t10\t\(Self.digest)\n"
        #expect(IndexCacheFile(bytes: Array((header + good).utf8))?.index.releases.first?.files.count == 1)
    }

    @Test("fetched-at must be a plausible time", arguments: ["nan", "inf", "-5", "1e300"])
    func hostileTime(value: String) {
        #expect(IndexCacheFile(bytes: Array("gover-index-cache 2\nurl\tx\nfetched-at\t\(value)\nreleases\t0\n\n".utf8)) == nil)
        #expect(IndexCacheFile(bytes: Array("gover-index-cache 2\nurl\tx\nfetched-at\t1\nreleases\t0\n\n".utf8)) != nil)
    }
}

@Suite("Names and text from outside")
struct OutsideTextTests {
    @Test("plain file names", arguments: [
        ("go1.22.5.linux-amd64.tar.gz", nil as String?), ("../x.tar.gz", "contains a path separator"), ("a/b", "contains a path separator"),
        ("x\u{0}.tar.gz", "contains a control character"),
        (".x", "starts with a dot"), ("..", "starts with a dot"), ("a\\b", "contains a path separator"),
        ("x\u{9B}y", "contains a control character"), (String(repeating: "x", count: 201), "is longer than 200 bytes"),
        ("", "is empty"), ("x.zip", nil),
        // A dot and a combining mark are one Character, and still a dot file on disk.
        (".\u{301}x.tar.gz", "starts with a dot"), ("x\u{202E}zg.rat", "contains a control character"), ("é.tar.gz", nil),
        ("x\u{7F}", "contains a control character"), ("x\u{85}", "contains a control character"),
    ])
    func filenames(name: String, problem: String?) {
        #expect(PlainFilename.problem(with: name) == problem)
    }

    @Test("the expected suffix, with a stem before it")
    func suffix() {
        #expect(PlainFilename.problem(with: "go.tar.gz", suffix: ".tar.gz") == nil)
        #expect(PlainFilename.problem(with: ".tar.gz", suffix: ".tar.gz") != nil)
        #expect(PlainFilename.problem(with: "go.zip", suffix: ".tar.gz") == "does not end in .tar.gz")
    }

    @Test("terminalSafe makes control characters visible and leaves the rest", arguments: [
        ("plain ünïcode ✓", "plain ünïcode ✓"), ("\u{1B}[2K\rInstalled", "\\x1b[2K\\rInstalled"), ("a\nb\tc", "a\\nb\\tc"),
        ("nul\u{0}", "nul\\x00"), ("del\u{7F}", "del\\x7f"), ("csi\u{9B}", "csi\\x9b"), ("rlo\u{202E}x", "rlo\\u{202e}x"),
    ])
    func escaping(text: String, shown: String) {
        #expect(terminalSafe(text) == shown)
    }

    @Test("validators: printable ASCII only")
    func validators() {
        #expect(HeaderValues.validator("\"abc\"") == "\"abc\"")
        #expect(HeaderValues.validator("\"a\rb\"") == nil)
        #expect(HeaderValues.validator(String(repeating: "x", count: 300)) == nil)
    }
}

@Suite("Archive entry path checks")
struct EntryPathTests {
    static let policy = ExtractionPolicy(maxExpandedBytes: 1 << 30)

    @Test("names are normalised on bytes", arguments: [
        ("go/bin/go", "go/bin/go"), ("go//bin/./go", "go/bin/go"), ("./go/bin/", "go/bin"),
        ("go/a/\u{200D}x", "go/a/\u{200D}x"), ("go/a/\u{0301}x", "go/a/\u{0301}x"),
    ])
    func normalised(name: String, expected: String) throws {
        let path = try EntryRules.validatedPath(name, entry: name, policy: Self.policy)
        #expect(Array(path.utf8) == Array(expected.utf8))
    }

    @Test("escapes are refused", arguments: ["/etc/passwd", "go/../x", "go/\u{0301}/../../x", "x/go", "gox/y", "../go", "go\u{0301}/x"])
    func refused(name: String) {
        #expect(throws: GoverError.self) { try EntryRules.validatedPath(name, entry: name, policy: Self.policy) }
    }

    /// Names that look normalised and are not, or are only nearly: the one-pass fast path
    /// must give exactly the general path's answer (the same bytes, or a refusal there).
    @Test("the fast path for already normalised names agrees with the general one", arguments: [
        "go", "go/", "go//", "go/bin/go", "go/bin/", "go/bin//", "go/./x", "go/x/.", "go/x/..", "go/../x",
        "go/.../x", "go/.x/", "go/x.", "gox", "gox/y", "g", "", "/", "./go", "go/a\u{7F}b", "go/a\tb",
        "go/\u{0600}/", "go/x\u{0600}/", "go/\u{200D}/", "go/e\u{301}/", "go\u{301}/x", "go/ü/",
    ])
    func fastPathAgrees(name: String) {
        let general = try? EntryRules.normalisedPath(name, entry: name, policy: Self.policy)
        guard let fast = EntryRules.alreadyNormalised(name, topDirectory: "go") else { return }
        #expect(general.map { Array($0.utf8) } == Array(fast.utf8), "\(name.debugDescription)")
    }

    @Test("a top directory that is not one plain component has no fast path", arguments: ["a/b", "go/", "/go"])
    func fastPathTop(top: String) {
        var policy = Self.policy
        policy.topDirectory = top
        for name in [top, top + "/x", "go/x", "a/b/x"] {
            let general = try? EntryRules.normalisedPath(name, entry: name, policy: policy)
            let fast = EntryRules.alreadyNormalised(name, topDirectory: top)
            #expect(fast == nil || fast.map { Array($0.utf8) } == general.map { Array($0.utf8) }, "\(top): \(name)")
        }
    }

    @Test("the fast path is taken for a Go archive's names", arguments: ["go", "go/", "go/bin/go", "go/src/cmd/", "go/.x/y."])
    func fastPathTaken(name: String) {
        #expect(EntryRules.alreadyNormalised(name, topDirectory: "go") != nil)
    }

    @Test("names that differ only in Unicode normalisation are different names, as the kernel sees them")
    func unicodeSpellings() throws {
        var rules = EntryRules(policy: Self.policy)
        _ = try rules.admit(.init(name: "go/\u{E9}", kind: .file))
        // The decomposed spelling is another file on Linux: a directory there replaces nothing.
        _ = try rules.admit(.init(name: "go/e\u{301}", kind: .directory))
        #expect(throws: GoverError.self) { try rules.admit(.init(name: "go/\u{E9}", kind: .directory)) }
        #expect(throws: GoverError.self) { try rules.admit(.init(name: "go/x", kind: .hardLink(target: "go/e\u{301}"))) }
        _ = try rules.admit(.init(name: "go/y", kind: .hardLink(target: "go/\u{E9}")))
    }

    @Test("the guard sees a path below a symlink whatever follows the slash")
    func guardBytes() throws {
        var guardrail = SymlinkGuard()
        guardrail.created(.symlink, PathKey("go/a"))
        for name in ["go/a/x", "go/a/\u{200D}x", "go/a/\u{0301}x", "go/a"] {
            #expect(throws: GoverError.self) { try guardrail.check(name, entry: name) }
        }
        try guardrail.check("go/ab/x", entry: "go/ab/x")
        try guardrail.check("go/b", entry: "go/b")
    }
}
