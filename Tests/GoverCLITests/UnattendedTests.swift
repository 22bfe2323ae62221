import Foundation
import Testing

/// What a Dockerfile `RUN` line or a CI step needs: no terminal, no HOME, a restrictive
/// umask, a cache that can be dropped, a store root made for other users to read.
@Suite("unattended use: Docker RUN lines and CI steps")
struct UnattendedTests {
    /// Runs gover (or `executable`) through `/bin/sh`, so a test can set what `Process`
    /// cannot: the umask, HOME removed from the environment, another user (`runner`).
    static func goverThroughShell(_ sandbox: Sandbox, prelude: String = ":", runner: String = "",
                                  executable: String = goverBinary, _ arguments: [String],
                                  env: [String: String] = [:]) throws -> CommandResult {
        try runProgram("/bin/sh", ["-c", "\(prelude); exec \(runner) \"$0\" \"$@\"", executable] + arguments,
                       environment: sandbox.environment(env))
    }

    static func mode(_ path: String) -> Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { return -1 }
        return Int(info.st_mode & 0o7777)
    }

    @Test("cache clean removes the index and kept archives, keeps versions, current and the directory")
    func cacheClean() throws {
        let sandbox = try Sandbox()
        let published = try sandbox.publish("go1.22.5")
        let install = try sandbox.gover("install", "--keep-archive", "1.22.5")
        try #require(install.status == 0, "\(install)")
        let cache = sandbox.root + "/cache"
        #expect(FileManager.default.fileExists(atPath: cache + "/archives/" + published.filename))

        let clean = try sandbox.gover("cache", "clean")
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stderr.contains("Removed 2 files (the release index, 1 archive) from \(cache)"), "\(clean)")
        #expect(clean.stderr.hasSuffix(" B freed\n"), "\(clean)")
        #expect(clean.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).isEmpty)
        #expect(sandbox.storeSnapshot().contains("current -> go1.22.5"))
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")

        let again = try sandbox.gover("cache", "clean")
        #expect(again.status == 0)
        #expect(again.stderr.contains("The cache \(cache) is already empty"))
        let quiet = try sandbox.gover("cache", "clean", "--quiet")
        #expect(quiet.status == 0 && quiet.stderr.isEmpty && quiet.stdout.isEmpty, "\(quiet)")

        let dir = try sandbox.gover("cache", "dir")
        #expect(dir.stdout == cache + "\n")
        // The index is fetched again when needed.
        #expect(try sandbox.gover("list", "--remote").stdout.contains("go1.22.5"))
    }

    @Test("--version names the version and the commit (`unknown` outside scripts/build-release)")
    func version() throws {
        let version = try Sandbox().gover("--version")
        #expect(version.status == 0 && version.stdout == "gover 0.1.0 (unknown)\n", "\(version)")
    }

    @Test("cache clean on a store that does not exist creates nothing")
    func cacheCleanWithoutStore() throws {
        let sandbox = try Sandbox()
        let clean = try sandbox.gover("cache", "clean")
        #expect(clean.status == 0, "\(clean)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root))
    }

    @Test("with GOVER_ROOT, HOME may be unset, missing or read-only: nothing is written there",
          arguments: ["unset", "missing", "read-only"])
    func homeNotNeeded(_ home: String) throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        var env: [String: String] = [:]
        var prelude = ":"
        switch home {
        case "unset": prelude = "unset HOME"
        case "missing": env["HOME"] = sandbox.directory + "/nonexistent-home"
        default: chmod(sandbox.home, 0o555)
        }
        for arguments in [["install", "--use", "1.22.5"], ["list"], ["current"], ["cache", "clean"]] {
            let result = try Self.goverThroughShell(sandbox, prelude: prelude, arguments, env: env)
            #expect(result.status == 0, "\(arguments): \(result)")
        }
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory + "/nonexistent-home"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.home).isEmpty)
        chmod(sandbox.home, 0o755)
    }

    @Test("under umask 077 and without a terminal: plain phase lines, a store everyone can read and run")
    func storeReadableByOthers() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        let install = try Self.goverThroughShell(sandbox, prelude: "umask 077", ["install", "1.22.5"])
        try #require(install.status == 0, "\(install)")
        // No progress bar off a terminal: one plain line per phase.
        #expect(!install.stderr.contains("\r") && !install.stderr.contains("\u{1B}"), "\(install)")
        // (The loopback mirror is plain HTTP: its one-time warning is not a phase.)
        #expect(install.stderr.split(separator: "\n").filter { !$0.hasPrefix("warning: ") }
            .map { $0.split(separator: " ").first ?? "" } == ["Downloading", "Verified", "Installed", "Now", "Add"], "\(install)")

        for directory in [sandbox.root, sandbox.root + "/go1.22.5", sandbox.root + "/go1.22.5/bin", sandbox.root + "/cache"] {
            #expect(Self.mode(directory) == 0o755, "\(directory)")
        }
        #expect(Self.mode(sandbox.root + "/go1.22.5/bin/go") == 0o755)
        #expect(Self.mode(sandbox.root + "/go1.22.5/VERSION") == 0o644)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: sandbox.root + "/current") == "go1.22.5")

        // As `nobody`: the store is readable and `go` runs; changing it is refused (exit 7).
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
        chmod(sandbox.directory, 0o755)  // mkdtemp made the sandbox 0700
        let nobody = "/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups"
        let env = ["HOME": "/nonexistent"]
        let list = try Self.goverThroughShell(sandbox, runner: nobody, ["list"], env: env)
        #expect(list.status == 0 && list.stdout == "* go1.22.5\n", "\(list)")
        let which = try Self.goverThroughShell(sandbox, runner: nobody, ["which"], env: env)
        #expect(which.stdout == sandbox.root + "/go1.22.5/bin/go\n", "\(which)")
        let go = try Self.goverThroughShell(sandbox, runner: nobody, executable: sandbox.root + "/current/bin/go", ["version"])
        #expect(go.stdout == "go version go1.22.5 linux/amd64\n", "\(go)")
        let uninstall = try Self.goverThroughShell(sandbox, runner: nobody, ["uninstall", "--force", "1.22.5"], env: env)
        #expect(uninstall.status == 7, "\(uninstall)")
        #expect(uninstall.stderr.contains("is not writable"), "\(uninstall)")
    }
}

@Suite("gover env --docker")
struct DockerEnvTests {
    @Test("prints the ENV lines the repository's Dockerfile uses")
    func matchesDockerfile() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.gover("env", "--docker", env: ["GOVER_ROOT": "/usr/local/goversions"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "ENV GOVER_ROOT=/usr/local/goversions\nENV PATH=/usr/local/goversions/current/bin:/usr/local/goversions/bin:/root/go/bin:$PATH\n")
        // The same assignments as the documented Dockerfile, in one place or two.
        let dockerfile = try String(contentsOf: packageRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let documented = dockerfile.split(separator: "\n").first { $0.hasPrefix("ENV GOVER_ROOT=") }
        let assignments = documented.map { $0.dropFirst(4).split(separator: " ").map(String.init) } ?? []
        #expect(assignments == result.stdout.split(separator: "\n").map { String($0.dropFirst(4)) })
        let gopath = try sandbox.gover("env", "--docker", "--gopath", "/go", env: ["GOVER_ROOT": "/opt/gv"])
        #expect(gopath.stdout.contains("ENV PATH=/opt/gv/current/bin:/opt/gv/bin:/go/bin:$PATH"))
    }
}
