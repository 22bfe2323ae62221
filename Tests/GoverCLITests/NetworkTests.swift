import Foundation
import Testing

/// Downloads that survive real networks: each fault injected by the loopback mirror, with
/// the exit status, the store, the active Go and the bytes fetched checked.
@Suite("network faults: retries, resume, mirrors, proxies, TLS")
struct NetworkTests {
    /// go1.21.13 installed and active; go1.22.5 (~1.2 MB, incompressible) published.
    static func setUp() throws -> (Sandbox, [String], Sandbox.Published) {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let published = try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 1_000_000))
        return (sandbox, before, published)
    }

    static let filename = "go1.22.5.linux-amd64.tar.gz"

    /// The archive through a fault spec (faults separated by ";", since "," separates
    /// mirrors), the index from the healthy server.
    static func faulty(_ sandbox: Sandbox, _ spec: String) -> [String: String] {
        ["GOVER_MIRROR": sandbox.mirrorURL + "_f/\(spec)/", "GOVER_INDEX_URL": sandbox.mirrorURL + "?mode=json&include=all"]
    }

    static func requests(_ sandbox: Sandbox) -> [MirrorServer.Request] {
        sandbox.server.requests(of: filename)
    }

    static func archiveBytes(_ sandbox: Sandbox) -> Int {
        sandbox.server.bytesSent(of: filename)
    }

    static func expectInstalled(_ sandbox: Sandbox, _ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        #expect(FileManager.default.isExecutableFile(atPath: sandbox.root + "/go1.22.5/bin/go"), sourceLocation: sourceLocation)
        #expect(sandbox.stagingEntries().isEmpty, sourceLocation: sourceLocation)
        #expect(sandbox.currentGoVersion() == "go version go1.21.13 linux/amd64", sourceLocation: sourceLocation)
    }

    @Test("HTTP 500 twice, then 200: retried with backoff, each retry announced")
    func serverErrorsRetried() throws {
        let (sandbox, _, published) = try Self.setUp()
        let result = try sandbox.gover("install", "1.22.5", env: Self.faulty(sandbox, "status=500;times=2"))
        Self.expectInstalled(sandbox, result)
        #expect(result.stderr.contains("answered HTTP 500; retry 1/4 in"), "\(result)")
        #expect(result.stderr.contains("retry 2/4"))
        #expect(Self.requests(sandbox).map(\.status) == [500, 500, 200])
        FaultTable.record("HTTP 500 ×2, then OK", result, store: "installed", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("HTTP 429 with Retry-After: the server's delay is honoured")
    func retryAfter() throws {
        let (sandbox, _, published) = try Self.setUp()
        let started = Date()
        let result = try sandbox.gover("install", "1.22.5", env: Self.faulty(sandbox, "status=429;retry-after=1;times=1"))
        Self.expectInstalled(sandbox, result)
        #expect(result.stderr.contains("answered HTTP 429; retry 1/4 in 1.0s"), "\(result)")
        #expect(Date().timeIntervalSince(started) >= 1.0)
        FaultTable.record("HTTP 429 + Retry-After: 1", result, store: "installed", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("HTTP 500 forever: gives up after GOVER_RETRIES, store unchanged")
    func retriesExhausted() throws {
        let (sandbox, before, published) = try Self.setUp()
        var env = Self.faulty(sandbox, "status=500")
        env["GOVER_RETRIES"] = "2"
        let result = try sandbox.gover("install", "1.22.5", env: env)
        #expect(result.status == 4)
        #expect(result.stderr.hasSuffix("error: \(sandbox.mirrorURL)_f/status=500/\(published.filename) answered HTTP 500\n"), "\(result)")
        #expect(Self.requests(sandbox).count == 3)
        FailureTests.expectUnchanged(sandbox, before)
        FaultTable.record("HTTP 500 always (GOVER_RETRIES=2)", result, store: "unchanged", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("HTTP 403: not retried")
    func forbidden() throws {
        let (sandbox, before, published) = try Self.setUp()
        let result = try sandbox.gover("install", "1.22.5", env: Self.faulty(sandbox, "status=403"))
        #expect(result.status == 4)
        #expect(result.stderr.contains("answered HTTP 403"))
        #expect(!result.stderr.contains("retry"))
        #expect(Self.requests(sandbox).count == 1)
        FailureTests.expectUnchanged(sandbox, before)
        FaultTable.record("HTTP 403", result, store: "unchanged", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("connection cut midway: resumed with Range from the byte where it stopped")
    func resume() throws {
        let (sandbox, _, published) = try Self.setUp()
        let result = try sandbox.gover("install", "1.22.5", env: Self.faulty(sandbox, "cut=300000@1"))
        Self.expectInstalled(sandbox, result)
        #expect(result.stderr.contains("resuming at byte 300000"), "\(result)")
        let requests = Self.requests(sandbox)
        #expect(requests.map(\.status) == [200, 206])
        #expect(requests.last?.range == "bytes=300000-")
        let bytes = Self.archiveBytes(sandbox)
        #expect(bytes == published.size)
        #expect(Double(bytes) < 1.2 * Double(published.size))
        FaultTable.record("connection cut at 300 kB", result, store: "installed (resumed, 206)", bytes: bytes, of: published.size)
    }

    @Test("cut twice: resumed each time")
    func resumeRepeatedly() throws {
        let (sandbox, _, published) = try Self.setUp()
        let result = try sandbox.gover("install", "1.22.5", env: Self.faulty(sandbox, "cut=200000@2"))
        Self.expectInstalled(sandbox, result)
        let requests = Self.requests(sandbox)
        #expect(requests.map(\.range) == [nil, "bytes=200000-", "bytes=400000-"])
        #expect(Self.archiveBytes(sandbox) == published.size)
        FaultTable.record("cut after 200 kB, twice", result, store: "installed (2 resumes)", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("a server that ignores Range: started over cleanly, never spliced")
    func rangeIgnored() throws {
        let (sandbox, _, published) = try Self.setUp()
        let result = try sandbox.gover("install", "1.22.5", env: Self.faulty(sandbox, "cut=300000@1;norange=1"))
        Self.expectInstalled(sandbox, result)
        #expect(result.stderr.contains("did not resume at byte 300000 (HTTP 200); starting over"), "\(result)")
        #expect(result.stderr.contains("Verified SHA256 \(published.sha256)"))
        FaultTable.record("cut, then Range ignored (200)", result, store: "installed (restarted)", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("the file changed between requests (ETag): started over cleanly")
    func validatorChanged() throws {
        let (sandbox, _, published) = try Self.setUp()
        let result = try sandbox.gover("install", "1.22.5", env: Self.faulty(sandbox, "cut=300000@1;etag=changing"))
        Self.expectInstalled(sandbox, result)
        #expect(result.stderr.contains("starting over"), "\(result)")
        // The resume carried If-Range; the server saw a new ETag and sent the whole file.
        #expect(Self.requests(sandbox).map(\.status).prefix(2) == [200, 200])
        FaultTable.record("cut, then ETag changed", result, store: "installed (restarted)", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("a stalled transfer hits the low-speed limit and resumes")
    func stall() throws {
        let (sandbox, _, published) = try Self.setUp()
        // libcurl averages speed over a few seconds: the first 64 kB arrive at once, so the
        // limit must be high enough for the stall to show within the test's time.
        var env = Self.faulty(sandbox, "stall=6@1")
        env["GOVER_LOW_SPEED_TIME"] = "1"
        env["GOVER_LOW_SPEED_LIMIT"] = "100000"
        let result = try sandbox.gover("install", "1.22.5", env: env)
        Self.expectInstalled(sandbox, result)
        #expect(result.stderr.contains("retry 1/4"), "\(result)")
        #expect(Self.requests(sandbox).last?.range != nil)
        FaultTable.record("stall 6 s (low-speed limit 100 kB/s for 1 s)", result, store: "installed (resumed)", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("mirror list: a dead first mirror fails over to the next")
    func failoverConnection() throws {
        let (sandbox, _, published) = try Self.setUp()
        let env = ["GOVER_MIRROR": "http://127.0.0.1:9/,\(sandbox.mirrorURL)", "GOVER_RETRIES": "1"]
        let result = try sandbox.gover("install", "1.22.5", env: env)
        Self.expectInstalled(sandbox, result)
        #expect(result.stderr.contains("trying the next mirror, \(sandbox.mirrorURL)\(published.filename)"), "\(result)")
        FaultTable.record("first mirror refuses connections", result, store: "installed (2nd mirror)", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("mirror list: a files-only mirror without the file (404) and without an index")
    func failoverNotFound() throws {
        let (sandbox, _, published) = try Self.setUp()
        // The first mirror answers 404 to everything: no index, no file.
        let env = ["GOVER_MIRROR": "\(sandbox.mirrorURL)_f/status=404/,\(sandbox.mirrorURL)"]
        let result = try sandbox.gover("install", "1.22.5", "--force", env: env)
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("answered HTTP 404 (not on this mirror; check GOVER_MIRROR); trying the next mirror"), "\(result)")
        let list = try sandbox.gover("list", "--remote", env: env)
        #expect(list.stderr.contains("Index: \(sandbox.mirrorURL)?mode=json&include=all"), "\(list)")
        #expect(list.stderr.contains("files from: \(sandbox.mirrorURL)_f/status=404/, \(sandbox.mirrorURL)"))
        FaultTable.record("first mirror 404 (files and index)", result, store: "installed (2nd mirror)", bytes: Self.archiveBytes(sandbox), of: published.size)
    }

    @Test("a mirror's .sha256 companion is only a cross-check: a wrong one warns, the index decides")
    func companionDigest() throws {
        let (sandbox, _, published) = try Self.setUp()
        try "\(String(repeating: "f", count: 64))  \(published.filename)\n"
            .write(toFile: published.path + ".sha256", atomically: true, encoding: .utf8)
        let result = try sandbox.gover("install", "1.22.5")
        Self.expectInstalled(sandbox, result)
        #expect(result.stderr.contains(".sha256 says ffff"), "\(result)")
        #expect(result.stderr.contains("the index is what gover checks against"))
    }

    @Test("plain-HTTP mirror with a plain-HTTP index: warned about once")
    func plainHTTPWarning() throws {
        let (sandbox, _, _) = try Self.setUp()
        let result = try sandbox.gover("install", "1.22.5")
        #expect(result.status == 0)
        let warnings = result.stderr.components(separatedBy: "is plain HTTP and so is the index").count - 1
        #expect(warnings == 1, "\(result)")
    }

    @Test("http_proxy is used as curl uses it, and no_proxy bypasses it")
    func proxy() throws {
        let (sandbox, _, published) = try Self.setUp()
        let proxy = ForwardProxy(logPath: sandbox.directory + "/proxy.log")
        defer { proxy.stop() }
        let env = ["http_proxy": "http://127.0.0.1:\(proxy.port)", "GOVER_INDEX_TTL": "0"]
        let result = try sandbox.gover("install", "1.22.5", env: env)
        Self.expectInstalled(sandbox, result)
        #expect(proxy.targets.contains(sandbox.mirrorURL + published.filename), "\(proxy.targets)")
        #expect(proxy.targets.contains(sandbox.mirrorURL + "?mode=json&include=all"))
        let count = proxy.targets.count
        var bypass = env
        bypass["no_proxy"] = "127.0.0.1"
        #expect(try sandbox.gover("list", "--remote", env: bypass).status == 0)
        #expect(proxy.targets.count == count)
    }

    @Test("HTTPS: certificates are verified; GOVER_CA_BUNDLE trusts a private CA")
    func tls() throws {
        let (sandbox, _, _) = try Self.setUp()
        let cert = sandbox.directory + "/cert.pem"
        let key = sandbox.directory + "/key.pem"
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                             "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        let https = MirrorServer(directory: sandbox.mirrorDirectory, tls: (cert, key))
        defer { https.stop() }
        let env = ["GOVER_MIRROR": "https://127.0.0.1:\(https.port)/", "GOVER_RETRIES": "0"]

        let untrusted = try sandbox.gover("install", "1.22.5", env: env)
        #expect(untrusted.status == 4, "\(untrusted)")
        #expect(untrusted.stderr.lowercased().contains("certificate"), "\(untrusted)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/go1.22.5"))

        var trusted = env
        trusted["GOVER_CA_BUNDLE"] = cert
        let result = try sandbox.gover("install", "1.22.5", env: trusted)
        Self.expectInstalled(sandbox, result)
        #expect(!result.stderr.contains("plain HTTP"))
    }

    @Test("Ctrl-C while waiting to retry: exit 130, nothing changed")
    func interruptDuringBackoff() throws {
        let (sandbox, before, _) = try Self.setUp()
        var env = Self.faulty(sandbox, "status=503")
        env["GOVER_RETRY_DELAY"] = "30"
        let running = try sandbox.start(["install", "1.22.5"], env: env)
        let deadline = Date().addingTimeInterval(10)
        while Self.requests(sandbox).isEmpty && Date() < deadline { usleep(20_000) }
        usleep(200_000)
        running.signal(SIGINT)
        let result = running.wait()
        #expect(result.status == 130, "\(result)")
        #expect(result.stderr.hasSuffix("error: interrupted by SIGINT; nothing was changed\n"), "\(result)")
        FailureTests.expectUnchanged(sandbox, before)
    }
}
