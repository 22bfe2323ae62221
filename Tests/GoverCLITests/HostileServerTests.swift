import Foundation
import Testing

/// Issue 9, the server and index side: a mirror that lies in its headers, never ends a body,
/// trickles one just above the stall limit, or serves an index whose names, versions and
/// numbers are hostile. Every scenario checks the exit status, one clear `error:` line with
/// no terminal escape in it, the store (`storeSnapshot()`), the active Go, and a canary
/// file outside the store (bytes and mtime).
@Suite("hostile servers and indexes")
struct HostileServerTests {
    static let filename = NetworkTests.filename

    /// A file outside the store that no scenario may touch.
    struct Canary {
        let path: String
        let bytes: Data
        let modified: Date

        init(in directory: String) throws {
            path = directory + "/canary.tar.gz"
            bytes = Data("precious, outside the store\n".utf8)
            try bytes.write(to: URL(fileURLWithPath: path))
            // An old mtime, so a rewrite within the same second would still show.
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)],
                                                  ofItemAtPath: path)
            modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
        }

        func expectUnchanged(sourceLocation: SourceLocation = #_sourceLocation) {
            #expect((try? Data(contentsOf: URL(fileURLWithPath: path))) == bytes, "canary changed", sourceLocation: sourceLocation)
            let now = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
            #expect(now == modified, "canary's mtime changed", sourceLocation: sourceLocation)
        }
    }

    /// go1.21.13 installed and active; go1.22.5 (~200 kB) published; a canary beside the store.
    static func setUp(filler: Int = 200_000) throws -> (Sandbox, [String], Sandbox.Published, Canary) {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let published = try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: filler))
        return (sandbox, before, published, try Canary(in: sandbox.directory))
    }

    /// A fault-spec path segment: each value URL-encoded (the server decodes after splitting).
    static func spec(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._@")
        return items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: ";")
    }

    /// Serves `releases` as the index (through `index=NAME`), archives from the healthy mirror.
    /// Each string value `"KEY"` of `raw` is replaced by raw JSON text (a number JSONSerialization
    /// would not write as such, like 1e30).
    static func hostileIndex(_ sandbox: Sandbox, _ releases: [[String: Any]], raw: [String: String] = [:]) throws -> [String: String] {
        var text = String(decoding: try JSONSerialization.data(withJSONObject: releases), as: UTF8.self)
        for (key, json) in raw { text = text.replacingOccurrences(of: "\"\(key)\"", with: json) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: sandbox.mirrorDirectory + "/hostile.json"))
        return ["GOVER_INDEX_URL": sandbox.mirrorURL + "_f/index=hostile.json/?mode=json&include=all"]
    }

    static func release(_ version: String = "go1.22.5", files: [[String: Any]]) -> [String: Any] {
        ["version": version, "stable": !version.contains("rc"), "files": files]
    }

    /// The published archive's index entry, with one field replaced.
    static func file(_ published: Sandbox.Published, _ field: String? = nil, _ value: Any? = nil) -> [String: Any] {
        var entry: [String: Any] = ["filename": published.filename, "os": "linux", "arch": "amd64", "version": "go1.22.5",
                                    "sha256": published.sha256, "size": published.size, "kind": "archive"]
        if let field { entry[field] = value }
        return entry
    }

    /// A refusal: `status`, exactly one `error:` line (the last) containing `message`, no
    /// control character anywhere in stderr, store, staging, active Go and canary unchanged.
    static func expectRefused(_ result: CommandResult, status: Int32, _ message: String, _ sandbox: Sandbox,
                              _ before: [String], _ canary: Canary, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "\(result)", sourceLocation: sourceLocation)
        #expect(!result.killedBySignal, sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("error: ") }.count == 1, "\(result)", sourceLocation: sourceLocation)
        #expect(lines.last?.hasPrefix("error: ") == true && lines.last!.contains(message), "\(result)", sourceLocation: sourceLocation)
        #expect(!result.stderr.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F || $0 == "\u{202E}" },
                "a control character reached the terminal: \(result.stderr.debugDescription)", sourceLocation: sourceLocation)
        FailureTests.expectUnchanged(sandbox, before, sourceLocation: sourceLocation)
        canary.expectUnchanged(sourceLocation: sourceLocation)
    }

    static func expectInstalled(_ sandbox: Sandbox, _ result: CommandResult, _ canary: Canary,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        NetworkTests.expectInstalled(sandbox, result, sourceLocation: sourceLocation)
        canary.expectUnchanged(sourceLocation: sourceLocation)
    }

    static func timed(_ body: () throws -> CommandResult) rethrows -> (CommandResult, TimeInterval) {
        let started = Date()
        let result = try body()
        return (result, Date().timeIntervalSince(started))
    }

    // MARK: Hostile numbers in headers

    @Test("Retry-After that is not delta-seconds or an HTTP-date is ignored: normal backoff, installed",
          arguments: ["nan", "inf", "-1", "1e30", "1.5", "-0", "0x10", "+5", "", "Fri, 01 Jan 2100 25:00:00 GMT"])
    func retryAfterIgnored(value: String) throws {
        let (sandbox, _, _, canary) = try Self.setUp()
        let env = NetworkTests.faulty(sandbox, Self.spec([("status", "503"), ("header", "Retry-After:\(value)"), ("times", "1")]))
        let (result, seconds) = try Self.timed { try sandbox.gover("install", "1.22.5", env: env) }
        Self.expectInstalled(sandbox, result, canary)
        #expect(result.stderr.contains("answered HTTP 503; retry 1/4 in 0.0s"), "\(result)")
        #expect(seconds < 20)
    }

    @Test("Retry-After as an HTTP-date: in the past means now, 4 s ahead waits what is left of them")
    func retryAfterDates() throws {
        let (sandbox, _, _, canary) = try Self.setUp()
        let past = "Sun, 06 Nov 1994 08:49:37 GMT"
        var result = try sandbox.gover("install", "1.22.5",
                                       env: NetworkTests.faulty(sandbox, Self.spec([("status", "503"), ("retry-after", past), ("times", "1")])))
        Self.expectInstalled(sandbox, result, canary)
        #expect(result.stderr.contains("retry 1/4 in 0.0s"), "\(result)")

        try #require(try sandbox.gover("uninstall", "1.22.5").status == 0)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let soon = formatter.string(from: Date().addingTimeInterval(4))
        let seconds: TimeInterval
        (result, seconds) = try Self.timed {
            try sandbox.gover("install", "1.22.5",
                              env: NetworkTests.faulty(sandbox, Self.spec([("status", "503"), ("retry-after", soon), ("times", "1")])))
        }
        Self.expectInstalled(sandbox, result, canary)
        // The date has a one-second resolution, and the index fetch runs before the wait.
        #expect(seconds >= 1 && seconds < 20, "\(seconds) s\n\(result)")
        #expect(result.stderr.contains(try Regex("retry 1/4 in [1234]\\.[0-9]s")), "\(result)")
    }

    @Test("Retry-After far away (huge integer, distant date) waits at most a minute; Ctrl-C still stops it",
          arguments: ["99999999999999999999999", "9223372036854775807", "4294967296", "Fri, 01 Jan 2100 00:00:00 GMT"])
    func retryAfterHuge(value: String) throws {
        let (sandbox, before, _, canary) = try Self.setUp()
        let env = NetworkTests.faulty(sandbox, Self.spec([("status", "503"), ("retry-after", value)]))
        let running = try sandbox.start(["install", "1.22.5"], env: env)
        let deadline = Date().addingTimeInterval(30)
        while !running.stderrSoFar().contains("retry 1/4 in") && Date() < deadline && running.process.isRunning {
            usleep(50_000)
        }
        running.signal(SIGINT)
        let result = running.wait()
        #expect(result.stderr.contains("answered HTTP 503; retry 1/4 in 60.0s"), "\(result)")
        Self.expectRefused(result, status: 130, "interrupted by SIGINT", sandbox, before, canary)
    }

    @Test("a lying Content-Length: longer or huge is resumed, shorter is caught by the size check",
          arguments: [("double", 0 as Int32), ("9223372036854775807", 0), ("99999999999999999999", 0), ("half", 5), ("-1", 4)])
    func lyingContentLength(lie: String, status: Int32) throws {
        let (sandbox, before, published, canary) = try Self.setUp()
        let value = lie == "double" ? "\(published.size * 2)" : lie == "half" ? "\(published.size / 2)" : lie
        let env = NetworkTests.faulty(sandbox, Self.spec([("header", "Content-Length:\(value)@1")]))
        let (result, seconds) = try Self.timed { try sandbox.gover("install", "1.22.5", env: env) }
        #expect(seconds < 60)
        if status == 0 {
            Self.expectInstalled(sandbox, result, canary)
        } else {
            Self.expectRefused(result, status: status, status == 5 ? "size mismatch" : "download of", sandbox, before, canary)
        }
    }

    @Test("a lying Content-Range on a resume: never spliced, the download starts over and verifies",
          arguments: ["bytes 0-99/100", "bytes 99999999999999999999-1/2", "bytes 300000-1/2", "bytes -5-10/20", "garbage"])
    func lyingContentRange(lie: String) throws {
        let (sandbox, _, _, canary) = try Self.setUp(filler: 1_000_000)
        let env = NetworkTests.faulty(sandbox, Self.spec([("cut", "300000@1"), ("header", "Content-Range:\(lie)@2")]))
        let result = try sandbox.gover("install", "1.22.5", env: env)
        Self.expectInstalled(sandbox, result, canary)
        #expect(result.stderr.contains("did not resume at byte"), "\(result)")
    }

    // MARK: Unbounded bodies

    @Test("an endless, trickled or silent .sha256 never blocks or fails the install", arguments: [
        [("only", ".sha256"), ("endless", "1")], [("only", ".sha256"), ("trickle", "300")], [("only", ".sha256"), ("delay", "3600")],
        [("only", ".sha256"), ("header", "Content-Length:9223372036854775807")],
    ])
    func companionDigest(faults: [(String, String)]) throws {
        let (sandbox, _, _, canary) = try Self.setUp()
        var env = NetworkTests.faulty(sandbox, Self.spec(faults))
        // Just above the stall limit: only a deadline ends the trickle.
        env["GOVER_LOW_SPEED_LIMIT"] = "100"
        env["GOVER_LOW_SPEED_TIME"] = "3"
        let (result, seconds) = try Self.timed { try sandbox.gover("install", "1.22.5", env: env) }
        Self.expectInstalled(sandbox, result, canary)
        #expect(seconds < 25, "the .sha256 cross-check took \(seconds) s")
        let sent = sandbox.server.bytesSent(of: Self.filename + ".sha256")
        #expect(sent < 32 << 20, "the server sent \(sent) bytes of .sha256 before gover hung up")
    }

    @Test("an endless index is cut at 64 MiB: exit 4, memory bounded (ulimit -v 2 GiB)")
    func endlessIndex() throws {
        let (sandbox, before, _, canary) = try Self.setUp()
        let env = ["GOVER_INDEX_URL": sandbox.mirrorURL + "_f/endless=1/?mode=json&include=all"]
        let started = Date()
        let result = try sandbox.start(["install", "1.22.5"], env: env,
                                       launcher: ["/bin/sh", "-c", "ulimit -v 2097152 && exec \"$0\" \"$@\""]).wait()
        Self.expectRefused(result, status: 4, "the response is larger than 67.1 MB", sandbox, before, canary)
        #expect(Date().timeIntervalSince(started) < 60)
        let sent = sandbox.server.requests().filter { $0.path.hasPrefix("/_f/endless") }.map(\.bytes).reduce(0, +)
        #expect(sent < 96 << 20, "\(sent) bytes sent")
    }

    @Test("a trickled index (just above the stall limit) ends at GOVER_INDEX_TIMEOUT: exit 4")
    func trickledIndex() throws {
        let (sandbox, before, _, canary) = try Self.setUp()
        let env = ["GOVER_INDEX_URL": sandbox.mirrorURL + "_f/trickle=300/?mode=json&include=all", "GOVER_INDEX_TIMEOUT": "2",
                   "GOVER_RETRIES": "1", "GOVER_LOW_SPEED_LIMIT": "100", "GOVER_LOW_SPEED_TIME": "3"]
        let (result, seconds) = try Self.timed { try sandbox.gover("install", "1.22.5", env: env) }
        Self.expectRefused(result, status: 4, "timed out", sandbox, before, canary)
        #expect(seconds >= 4 && seconds < 20, "\(seconds) s")
    }

    @Test("an endless archive stops one byte past the index's size: exit 5, quickly")
    func endlessArchive() throws {
        let (sandbox, before, published, canary) = try Self.setUp()
        let env = NetworkTests.faulty(sandbox, "endless=1")
        let (result, seconds) = try Self.timed { try sandbox.gover("install", "1.22.5", env: env) }
        Self.expectRefused(result, status: 5, "size mismatch for \(published.filename): the index says \(published.size) bytes",
                           sandbox, before, canary)
        #expect(seconds < 30)
        #expect(NetworkTests.archiveBytes(sandbox) < 32 << 20)
    }

    @Test("a trickled archive (just above the stall limit) ends at GOVER_DOWNLOAD_TIMEOUT: exit 4")
    func trickledArchive() throws {
        let (sandbox, before, _, canary) = try Self.setUp()
        var env = NetworkTests.faulty(sandbox, "trickle=300")
        env.merge(["GOVER_DOWNLOAD_TIMEOUT": "3", "GOVER_RETRIES": "0", "GOVER_LOW_SPEED_LIMIT": "100",
                   "GOVER_LOW_SPEED_TIME": "10"]) { $1 }
        let (result, seconds) = try Self.timed { try sandbox.gover("install", "1.22.5", env: env) }
        Self.expectRefused(result, status: 4, "timed out", sandbox, before, canary)
        #expect(seconds >= 3 && seconds < 20, "\(seconds) s")
    }

    // MARK: Hostile index entries

    static let hostileFilenames: [(String, String)] = [
        ("../../../canary.tar.gz", "contains a path separator"),
        ("CANARY", "contains a path separator"),  // replaced by the canary's absolute path
        ("go1.22.5\u{0}.linux-amd64.tar.gz", "contains a control character"),
        ("\u{1B}[2K\rInstalled go1.22.5 in /usr/local/go (0.1s).tar.gz", "contains a control character"),
        ("go1.22.5.linux-amd64.tar.gz\u{202E}zg.rat", "contains a control character"),
        (String(repeating: "a", count: 300) + ".tar.gz", "is longer than 200 bytes"),
        ("..", "starts with a dot"),
        ("..\\..\\canary.tar.gz", "contains a path separator"),
        ("", "is empty"),
    ]

    @Test("index file names that are paths, carry control characters or are too long refuse the index (exit 4)",
          arguments: hostileFilenames)
    func hostileFilename(name: String, reason: String) throws {
        let (sandbox, before, published, canary) = try Self.setUp()
        let filename = name == "CANARY" ? canary.path : name
        let env = try Self.hostileIndex(sandbox, [Self.release(files: [Self.file(published, "filename", filename)])])
        let result = try sandbox.gover("install", "1.22.5", "--keep-archive", env: env)
        Self.expectRefused(result, status: 4, "is unreadable: go1.22.5: file name '", sandbox, before, canary)
        #expect(result.stderr.contains(reason), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/cache/archives/" + Self.filename))
    }

    @Test("an archive entry without the .tar.gz suffix is not installable (exit 3)")
    func wrongSuffix() throws {
        let (sandbox, before, published, canary) = try Self.setUp()
        let env = try Self.hostileIndex(sandbox, [Self.release(files: [Self.file(published, "filename", "go1.22.5.linux-amd64.sh")])])
        let result = try sandbox.gover("install", "1.22.5", env: env)
        Self.expectRefused(result, status: 3, "go1.22.5 has no archive for linux-amd64", sandbox, before, canary)
    }

    @Test("hostile os/arch/kind/version fields of a file refuse the index (exit 4)", arguments: [
        ("os", "linux/../x"), ("arch", "amd64\u{1B}[2K"), ("kind", "archive\n"), ("version", "go1.22.5/../../x"),
        ("version", "go1.22.5\u{1B}]0;pwned\u{7}"), ("sha256", "\u{1B}[2K" + String(repeating: "0", count: 64)),
    ])
    func hostileFields(field: String, value: String) throws {
        let (sandbox, before, published, canary) = try Self.setUp()
        let env = try Self.hostileIndex(sandbox, [Self.release(files: [Self.file(published, field, value)])])
        let result = try sandbox.gover("install", "1.22.5", env: env)
        Self.expectRefused(result, status: 4, "is unreadable: go1.22.5: ", sandbox, before, canary)
    }

    @Test("hostile release versions are skipped: never listed, installed or printed")
    func hostileVersions() throws {
        let (sandbox, _, published, canary) = try Self.setUp()
        let hostile = ["go1.23.0\u{1B}[31m", "../go1.24.0", "go1.25.0rc1", "go1", "go1.26.0/x", "go99999999999.1", "", "go1.27.-1",
                       "go1.28 ", "go\u{0}1.29"]
        let other = Self.file(published, "filename", "other.linux-amd64.tar.gz")
        let env = try Self.hostileIndex(sandbox, [Self.release(files: [Self.file(published)])]
                                        + hostile.map { Self.release($0, files: [other]) })
        let list = try sandbox.gover("list", "--remote", "--all", env: env)
        #expect(list.status == 0, "\(list)")
        #expect(list.stdout == "  go1.22.5\n", "\(list)")
        let result = try sandbox.gover("install", "1.22.5", env: env)
        Self.expectInstalled(sandbox, result, canary)
        let rc = try sandbox.gover("install", "1.25.0rc1", env: env)
        #expect(rc.status == 2, "\(rc)")
    }

    @Test("index sizes: 0 needs --sha256 (exit 5); negative, absurd or non-integer refuse the index (exit 4)",
          arguments: [("0", 5 as Int32), ("-1", 4), ("9223372036854775807", 4), ("17179869185", 4), ("1e30", 4), ("1.5", 4),
                      ("\"12\"", 4), ("99999999999999999999999", 4), (String(repeating: "9", count: 5000), 4)] as [(String, Int32)])
    func hostileSize(size: String, status: Int32) throws {
        let (sandbox, before, published, canary) = try Self.setUp()
        let env = try Self.hostileIndex(sandbox, [Self.release(files: [Self.file(published, "size", "SIZE")])], raw: ["SIZE": size])
        let result = try sandbox.gover("install", "1.22.5", env: env)
        Self.expectRefused(result, status: status, status == 5 ? "no SHA256 digest (or no size)" : "the release index from",
                           sandbox, before, canary)
    }

    @Test("index bodies that are not a release list (deep nesting, HTML, nothing) refuse the index (exit 4)",
          arguments: [String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000), "<html>hello</html>", "",
                      "{\"version\": \"go1.22.5\"}", "[" + String(repeating: "{},", count: 100_000) + "{}]"])
    func malformedIndex(body: String) throws {
        let (sandbox, before, _, canary) = try Self.setUp()
        try Data(body.utf8).write(to: URL(fileURLWithPath: sandbox.mirrorDirectory + "/hostile.json"))
        let env = ["GOVER_INDEX_URL": sandbox.mirrorURL + "_f/index=hostile.json/?mode=json&include=all"]
        let result = try sandbox.gover("install", "1.22.5", env: env)
        let empty = body.hasPrefix("[{}")  // a list of nothing: no release matches
        Self.expectRefused(result, status: empty ? 3 : 4, empty ? "no Go release matches '1.22.5'" : "is unreadable",
                           sandbox, before, canary)
    }

    // MARK: The cache under --keep-archive

    @Test("--keep-archive: a failed install never truncates, deletes or writes through what is in cache/archives")
    func keepArchiveFailure() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let canary = try Canary(in: sandbox.directory)
        let published = try sandbox.publish("go1.22.5", indexSHA256: String(repeating: "0", count: 64))
        let archives = sandbox.root + "/cache/archives"
        try FileManager.default.createDirectory(atPath: archives, withIntermediateDirectories: true)
        // The final name is a symlink to the canary: the failed install must not follow it.
        try FileManager.default.createSymbolicLink(atPath: archives + "/" + published.filename, withDestinationPath: canary.path)
        let result = try sandbox.gover("install", "1.22.5", "--keep-archive")
        Self.expectRefused(result, status: 5, "SHA256 mismatch", sandbox, before, canary)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: archives + "/" + published.filename)) == canary.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: archives) == [published.filename], "temporary copy left behind")
    }

    @Test("--keep-archive: a verified copy replaces the name (the link itself, never its target)")
    func keepArchiveSuccess() throws {
        let (sandbox, _, published, canary) = try Self.setUp()
        let archives = sandbox.root + "/cache/archives"
        try FileManager.default.createDirectory(atPath: archives, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: archives + "/" + published.filename, withDestinationPath: canary.path)
        let result = try sandbox.gover("install", "1.22.5", "--keep-archive")
        Self.expectInstalled(sandbox, result, canary)
        #expect(sha256Hex(of: archives + "/" + published.filename) == published.sha256)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: archives + "/" + published.filename)) == nil)
    }

    // MARK: Hostile environment numbers

    @Test("numeric GOVER_ variables outside their range are refused before any request (exit 2)", arguments: [
        ("GOVER_RETRIES", "1e9"), ("GOVER_RETRIES", "-1"), ("GOVER_RETRIES", "449000"), ("GOVER_LOW_SPEED_TIME", "9223372036854775807"),
        ("GOVER_LOW_SPEED_TIME", "0"), ("GOVER_LOW_SPEED_LIMIT", "abc"), ("GOVER_RETRY_DELAY", "nan"), ("GOVER_RETRY_DELAY", "inf"),
        ("GOVER_RETRY_DELAY", "1e308"), ("GOVER_CONNECT_TIMEOUT", "-1"), ("GOVER_CONNECT_TIMEOUT", "30s"), ("GOVER_INDEX_TTL", "inf"),
        ("GOVER_INDEX_TTL", "99999999999"), ("GOVER_INDEX_TIMEOUT", "0"), ("GOVER_DOWNLOAD_TIMEOUT", "1e3"),
        ("GOVER_RETRIES", "\u{1B}[2K4"),
    ])
    func hostileEnvironment(name: String, value: String) throws {
        let (sandbox, before, _, canary) = try Self.setUp()
        let requestsBefore = sandbox.server.requests().count
        let result = try sandbox.gover("install", "1.22.5", env: [name: value])
        Self.expectRefused(result, status: 2, "error: \(name)=", sandbox, before, canary)
        #expect(result.stderr.contains("is not valid: expected"), "\(result)")
        #expect(sandbox.server.requests().count == requestsBefore, "a request was made")
    }

    @Test("the ranges' bounds are accepted")
    func environmentBounds() throws {
        let (sandbox, _, _, canary) = try Self.setUp()
        let env = ["GOVER_RETRIES": "20", "GOVER_RETRY_DELAY": "0", "GOVER_CONNECT_TIMEOUT": "300", "GOVER_LOW_SPEED_LIMIT": "0",
                   "GOVER_LOW_SPEED_TIME": "3600", "GOVER_INDEX_TTL": "0", "GOVER_INDEX_TIMEOUT": "1", "GOVER_DOWNLOAD_TIMEOUT": "604800"]
        Self.expectInstalled(sandbox, try sandbox.gover("install", "1.22.5", env: env), canary)
    }

    // MARK: What a partial or foreign index means

    @Test("a mirror that ignores include=all: the error says so and names the index URL (exit 3)")
    func partialIndex() throws {
        let (sandbox, before, published, canary) = try Self.setUp()
        let env = try Self.hostileIndex(sandbox, [
            Self.release("go1.23.4", files: [Self.file(published, "version", "go1.23.4")]),
            Self.release("go1.22.10", files: [Self.file(published, "version", "go1.22.10")]),
        ])
        let result = try sandbox.gover("install", "1.21", env: env)
        Self.expectRefused(result, status: 3, "lists only go1.23.4, go1.22.10", sandbox, before, canary)
        #expect(result.stderr.contains("index=hostile.json/?mode=json&include=all"), "\(result)")
        #expect(result.stderr.contains("ignored `include=all`; point GOVER_INDEX_URL at a complete index"), "\(result)")
    }

    @Test("--os windows: only .zip archives exist, and gover says it cannot install them (exit 3)")
    func windowsZip() throws {
        let (sandbox, before, published, canary) = try Self.setUp()
        var zip = Self.file(published, "filename", "go1.22.5.windows-amd64.zip")
        zip["os"] = "windows"
        let env = try Self.hostileIndex(sandbox, [Self.release(files: [Self.file(published), zip])])
        let result = try sandbox.gover("install", "1.22.5", "--os", "windows", "--arch", "amd64", env: env)
        Self.expectRefused(result, status: 3, "has only a .zip archive for windows-amd64", sandbox, before, canary)
    }

    @Test("install --dry-run of an installed version says it is installed and plans no download")
    func dryRunInstalled() throws {
        let (sandbox, before, _, canary) = try Self.setUp()
        for selector in ["1.21.13", "1.21"] {
            let result = try sandbox.gover("install", "--dry-run", selector)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.hasPrefix("go1.21.13 is already installed ("), "\(result)")
            #expect(!result.stdout.contains("url:"), "\(result)")
        }
        FailureTests.expectUnchanged(sandbox, before)
        canary.expectUnchanged()
    }

    @Test("go1.22.0rc1 is not a Go version (a pre-release follows major.minor); go1 is not installable")
    func oddVersions() throws {
        let (sandbox, before, published, canary) = try Self.setUp()
        let rc = try sandbox.gover("install", "go1.22.0rc1")
        #expect(rc.status == 2, "\(rc)")
        #expect(rc.stderr.contains("'go1.22.0rc1' is not a Go version selector"), "\(rc)")
        let env = try Self.hostileIndex(sandbox, [Self.release(files: [Self.file(published)]),
                                                  Self.release("go1", files: [Self.file(published, "filename", "go1.src.tar.gz")])])
        let bootstrap = try sandbox.gover("install", "go1", env: env)
        Self.expectRefused(bootstrap, status: 3, "no Go release matches 'go1'", sandbox, before, canary)
        #expect(!bootstrap.stderr.contains("nearest: 1,"), "\(bootstrap)")
        let list = try sandbox.gover("list", "--remote", "--all", env: env)
        #expect(!list.stdout.contains("go1\n"), "\(list)")
    }

    // MARK: Libraries

    /// `unshare -m` with a bind mount of /dev/null over libarchive: possible only as root
    /// (or with user namespaces); elsewhere the test is skipped, saying why.
    static let libarchivePath: String? = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return nil }
        for directory in ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"] {
            let path = directory + "/libarchive.so.13"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }()

    @Test("a missing libarchive is reported before \"Downloading ...\" and before any archive request",
          .enabled(if: libarchivePath != nil, "needs root and unshare(1) to hide libarchive in a private mount namespace"))
    func missingLibarchive() throws {
        let (sandbox, before, _, canary) = try Self.setUp()
        let hide = "mount --bind /dev/null \(Self.libarchivePath!) && exec \"$0\" \"$@\""
        let result = try sandbox.start(["install", "1.22.5"], launcher: ["/usr/bin/unshare", "-m", "/bin/sh", "-c", hide]).wait()
        Self.expectRefused(result, status: 1, "cannot load libarchive", sandbox, before, canary)
        #expect(!result.stderr.contains("Downloading"), "\(result)")
        #expect(sandbox.server.archiveRequests().count == 1, "only the first install's request: \(sandbox.server.archiveRequests())")
    }
}
