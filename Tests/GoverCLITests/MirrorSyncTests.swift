import Foundation
import Testing

/// nginx from Debian serving a directory, on a loopback port, for the life of one test.
final class StaticServer {
    let process: Process
    let port: Int
    let prefix: String

    init(root: String, workDirectory: String) throws {
        prefix = workDirectory + "/nginx"
        try FileManager.default.createDirectory(atPath: prefix + "/tmp", withIntermediateDirectories: true)
        var started: Process?
        var chosen = 0
        for _ in 0..<20 {
            let port = Int.random(in: 20000...60000)
            let conf = """
            daemon off; master_process off; worker_processes 1;
            pid \(prefix)/nginx.pid; error_log \(prefix)/error.log;
            events { worker_connections 64; }
            http {
                access_log \(prefix)/access.log;
                client_body_temp_path \(prefix)/tmp/body; proxy_temp_path \(prefix)/tmp/proxy;
                fastcgi_temp_path \(prefix)/tmp/fastcgi; uwsgi_temp_path \(prefix)/tmp/uwsgi; scgi_temp_path \(prefix)/tmp/scgi;
                types { application/json json; application/gzip gz; }
                server { listen 127.0.0.1:\(port); root \(root); autoindex on; }
            }
            """
            try conf.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
            process.arguments = ["-p", prefix, "-c", prefix + "/nginx.conf"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Up when it answers; gone at once when the port was taken.
            for _ in 0..<100 where process.isRunning {
                let probe = try runProgram("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/"], timeout: 5)
                if probe.stdout == "200" { started = process; chosen = port; break }
                usleep(50_000)
            }
            if started != nil { break }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        }
        guard let started else { throw CocoaError(.featureUnsupported) }
        process = started
        port = chosen
    }

    var url: String { "http://127.0.0.1:\(port)/" }

    /// Archive requests nginx answered, as "<status> <path>" lines.
    func archiveRequests() -> [String] {
        ((try? String(contentsOfFile: prefix + "/access.log", encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { $0.contains(".tar.gz ") }.map(String.init)
    }

    deinit {
        // SIGKILL: nginx without a master process keeps the signal mask it was started with,
        // and the test runner's threads block SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// `gover mirror sync`: a verified static mirror that nginx (or any file server) serves as is.
@Suite("mirror sync and static mirrors", .serialized)
struct MirrorSyncTests {
    static let nginxInstalled = FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx")

    @Test("sync, then a fleet installs through nginx (no configuration) and file://; a re-run downloads nothing; upstream sends each archive once",
          .enabled(if: nginxInstalled, "needs nginx (scripts/setup installs nginx-light)"))
    func syncAndServe() throws {
        let sandbox = try Sandbox()
        for version in ["go1.21.13", "go1.22.4", "go1.22.5"] {
            try sandbox.publish(version, entries: Sandbox.toolchainEntries(version, filler: 100_000))
        }
        let mirror = sandbox.directory + "/srv-go"
        let sync = try sandbox.gover("mirror", "sync", mirror, "1.21", "1.22")
        #expect(sync.status == 0, "\(sync)")
        #expect(sync.stderr.contains("2 archives, 2 downloaded"), "\(sync)")
        let files = try FileManager.default.contentsOfDirectory(atPath: mirror).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files == ["go1.21.13.linux-amd64.tar.gz", "go1.21.13.linux-amd64.tar.gz.sha256",
                          "go1.22.5.linux-amd64.tar.gz", "go1.22.5.linux-amd64.tar.gz.sha256", "index.json"], "\(files)")
        let index = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: mirror + "/index.json"))) as? [[String: Any]])
        #expect(index.map { $0["version"] as? String } == ["go1.22.5", "go1.21.13"])

        let server = try StaticServer(root: mirror, workDirectory: sandbox.directory)
        let machines = 3
        for machine in 0..<machines {
            let root = sandbox.directory + "/machine-\(machine)"
            let install = try sandbox.gover("install", "1.22", env: ["GOVER_ROOT": root, "GOVER_MIRROR": server.url])
            #expect(install.status == 0, "\(install)")
            #expect(install.stderr.contains("Verified SHA256"), "\(install)")
        }
        #expect(server.archiveRequests().count == machines)
        let viaFile = try sandbox.gover("install", "1.21", env: ["GOVER_ROOT": sandbox.directory + "/machine-file",
                                                                  "GOVER_MIRROR": "file://" + mirror + "/"])
        #expect(viaFile.status == 0, "\(viaFile)")

        // Upstream saw one download per archive, whatever the size of the fleet.
        #expect(sandbox.server.archiveRequests().count == 2)
        let again = try sandbox.gover("mirror", "sync", mirror, "1.21", "1.22")
        #expect(again.status == 0 && again.stderr.contains("0 downloaded"), "\(again)")
        #expect(sandbox.server.archiveRequests().count == 2)
    }

    @Test("kill -9 during a sync: nothing under a final name; the re-run resumes with Range and completes")
    func killedSync() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 4_000_000))
        let mirror = sandbox.directory + "/srv-go"
        let slow = sandbox.mirrorURL + "_f/rate=400000/"
        let running = try sandbox.start(["mirror", "sync", mirror, "1.22.5"], env: ["GOVER_MIRROR": slow])
        let partial = mirror + "/.partial/go1.22.5.linux-amd64.tar.gz.partial"
        var waited = 0
        while waited < 200, ((try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int) ?? 0) < 300_000 {
            usleep(50_000)
            waited += 1
        }
        running.signal(SIGKILL)
        _ = running.wait()
        #expect(!FileManager.default.fileExists(atPath: mirror + "/go1.22.5.linux-amd64.tar.gz"))
        #expect(!FileManager.default.fileExists(atPath: mirror + "/index.json"))
        let left = (try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int) ?? 0
        #expect(left > 0)

        let resumed = try sandbox.gover("mirror", "sync", mirror, "1.22.5")
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.stderr.contains("resuming at byte"), "\(resumed)")
        #expect(sandbox.server.requests(of: "go1.22.5.linux-amd64.tar.gz").contains { $0.range?.hasPrefix("bytes=") == true })
        #expect(FileManager.default.fileExists(atPath: mirror + "/go1.22.5.linux-amd64.tar.gz"))
        #expect(!FileManager.default.fileExists(atPath: partial))
        let install = try sandbox.gover("install", "1.22.5", env: ["GOVER_ROOT": sandbox.directory + "/m", "GOVER_MIRROR": "file://" + mirror + "/"])
        #expect(install.status == 0, "\(install)")
    }

    @Test("a corrupted archive in DIR is detected and replaced by the next sync; --delete drops what is no longer selected")
    func corruptionAndDelete() throws {
        let sandbox = try Sandbox()
        for version in ["go1.21.13", "go1.22.5"] { try sandbox.publish(version) }
        let mirror = sandbox.directory + "/srv-go"
        #expect(try sandbox.gover("mirror", "sync", mirror, "1.21", "1.22").status == 0)
        let archive = mirror + "/go1.22.5.linux-amd64.tar.gz"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        bytes[100] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: archive))

        let repaired = try sandbox.gover("mirror", "sync", mirror, "1.21", "1.22")
        #expect(repaired.status == 0, "\(repaired)")
        #expect(repaired.stderr.contains("does not match the index"), "\(repaired)")
        #expect(repaired.stderr.contains("1 corrupt replaced"), "\(repaired)")
        let install = try sandbox.gover("install", "1.22", env: ["GOVER_ROOT": sandbox.directory + "/m", "GOVER_MIRROR": "file://" + mirror + "/"])
        #expect(install.status == 0, "\(install)")

        let pruned = try sandbox.gover("mirror", "sync", mirror, "--delete", "1.22")
        #expect(pruned.status == 0 && pruned.stderr.contains("1 deleted"), "\(pruned)")
        #expect(!FileManager.default.fileExists(atPath: mirror + "/go1.21.13.linux-amd64.tar.gz"))
        #expect(!FileManager.default.fileExists(atPath: mirror + "/go1.21.13.linux-amd64.tar.gz.sha256"))
        let index = try String(contentsOfFile: mirror + "/index.json", encoding: .utf8)
        #expect(!index.contains("go1.21.13") && index.contains("go1.22.5"))
    }

    @Test("on a terminal, one live progress line for the whole sync; without one, a line per file and a summary",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a pseudo-terminal"))
    func progress() throws {
        let sandbox = try Sandbox()
        for version in ["go1.21.13", "go1.22.5"] {
            try sandbox.publish(version, entries: Sandbox.toolchainEntries(version, filler: 1_000_000))
        }
        let mirror = sandbox.directory + "/srv-go"
        let slow = ["GOVER_MIRROR": sandbox.mirrorURL + "_f/rate=2000000/", "TERM": "xterm"]
        let command = "\(goverBinary) mirror sync \(mirror) 1.21 1.22"
        let live = try runProgram("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"],
                                  environment: sandbox.environment(slow), directory: sandbox.directory)
        #expect(live.status == 0, "\(live)")
        #expect(live.stdout.contains("\r\u{1B}[K  2 archives"), "no live line: \(live.stdout)")
        #expect(live.stdout.contains("Synced \(mirror): 2 archives, 2 downloaded"), "\(live.stdout)")
        let plain = try sandbox.gover("mirror", "sync", mirror, "1.21", "1.22")
        #expect(!plain.stderr.contains("\u{1B}"), "\(plain)")
        #expect(plain.stderr.contains("go1.21.13.linux-amd64.tar.gz: present, verified\n"), "\(plain)")
        #expect(plain.stderr.contains("go1.22.5.linux-amd64.tar.gz: present, verified\n"), "\(plain)")
    }

    @Test("upgrade: a failure part-way (one line's archive is corrupt) leaves every version working and current on its old patch")
    func upgradeFailurePartWay() throws {
        let sandbox = try Sandbox()
        for version in ["go1.21.12", "go1.22.4"] { try sandbox.publish(version) }
        #expect(try sandbox.gover("install", "1.21.12", "1.22.4").status == 0)
        #expect(try sandbox.gover("use", "1.22.4").status == 0)
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5", indexSHA256: String(repeating: "0", count: 64))
        let upgrade = try sandbox.gover("upgrade", "--prune", env: ["GOVER_INDEX_TTL": "0"])
        #expect(upgrade.status == 5, "\(upgrade)")
        #expect(upgrade.stderr.contains("SHA256 mismatch for go1.22.5"), "\(upgrade)")
        let list = try sandbox.gover("list").stdout
        #expect(list.contains("go1.21.13") && list.contains("go1.21.12") && list.contains("* go1.22.4"), "\(list)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.4 linux/amd64")
        #expect(sandbox.stagingEntries().isEmpty)
    }

    @Test("a mirror's query answering a release list with a hostile entry is refused, not routed around to its index.json")
    func noFallbackAroundARefusal() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let published = try sandbox.publish("go1.22.5")
        let hostile = [["version": "go1.22.5", "stable": true, "files": [[
            "filename": "../../escape.tar.gz", "os": "linux", "arch": "amd64", "version": "go1.22.5",
            "sha256": published.sha256, "size": published.size, "kind": "archive"]]]] as [[String: Any]]
        try JSONSerialization.data(withJSONObject: hostile).write(to: URL(fileURLWithPath: sandbox.mirrorDirectory + "/hostile.json"))
        let result = try sandbox.gover("install", "1.22.5", env: ["GOVER_MIRROR": sandbox.mirrorURL + "_f/index=hostile.json/"])
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr.contains("contains a path separator"), "\(result)")
        #expect(sandbox.server.requests().allSatisfy { !$0.path.hasSuffix("/index.json") }, "fell back to index.json")
        FailureTests.expectUnchanged(sandbox, before)
    }
}
