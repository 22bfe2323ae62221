import Foundation
import Testing

/// Issue 9, local side: the store and the files gover reads are a trust boundary. Each
/// scenario plants hostile or broken local state, runs real commands against it and
/// checks: one clear message and a documented exit status, nothing outside the store
/// touched (canaries), the store unchanged where nothing should change, the active Go still
/// working, and every command finishing in bounded time.
@Suite("hostile local state", .serialized)
struct HostileLocalStateTests {
    static let canDropPrivileges = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    // MARK: Helpers

    /// Runs gover with a watchdog (a hang fails the test, it does not hang the suite).
    static func bounded(_ sandbox: Sandbox, _ arguments: [String], env: [String: String] = [:],
                        directory: String? = nil, limit: TimeInterval = 20) throws -> (result: CommandResult, seconds: TimeInterval) {
        let started = Date()
        let result = try runProgram(goverBinary, arguments, environment: sandbox.environment(env),
                                    directory: directory ?? sandbox.directory, timeout: limit)
        return (result, Date().timeIntervalSince(started))
    }

    /// A directory outside the store with a file in it, and a way to see it is untouched.
    struct Canary {
        let path: String

        init(_ sandbox: Sandbox, _ name: String, mode: mode_t = 0o755) throws {
            path = sandbox.directory + "/canary-" + name
            try FileManager.default.createDirectory(atPath: path + "/inner", withIntermediateDirectories: true)
            try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: path + "/keep"))
            try Data("keep me too\n".utf8).write(to: URL(fileURLWithPath: path + "/inner/keep"))
            chmod(path, mode)
        }

        var contents: [String] {
            let enumerator = FileManager.default.enumerator(atPath: path)
            var result: [String] = []
            while let entry = enumerator?.nextObject() as? String {
                let data = FileManager.default.contents(atPath: path + "/" + entry).map { String(decoding: $0, as: UTF8.self) } ?? "<dir>"
                result.append(entry + ": " + data)
            }
            return result.sorted()
        }

        static let expected = ["inner/keep: keep me too\n", "inner: <dir>", "keep: keep me\n"]
    }

    static func replaceWithSymlink(_ path: String, to target: String) throws {
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    static func plantTree(_ path: String, goScript: String?) throws {
        try FileManager.default.createDirectory(atPath: path + "/bin", withIntermediateDirectories: true)
        if let goScript {
            try Data(goScript.utf8).write(to: URL(fileURLWithPath: path + "/bin/go"))
            chmod(path + "/bin/go", 0o755)
        }
    }

    static func expectOneError(_ result: CommandResult, status: Int32, _ text: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(text), "\(result)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }.count == 1, "\(result)",
                sourceLocation: sourceLocation)
    }

    static let goIs121 = "go version go1.21.13 linux/amd64"

    /// An empty project directory in the sandbox (outside the store), for pin files.
    static func makeProject(_ sandbox: Sandbox) throws -> String {
        let project = sandbox.directory + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        return project
    }

    // MARK: Symlinked store internals

    @Test("a symlinked .staging is refused by install, use, uninstall; doctor says so; its target is untouched")
    func symlinkedStaging() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5")
        let canary = try Canary(sandbox, "staging")
        try Self.replaceWithSymlink(sandbox.root + "/.staging", to: canary.path)

        for arguments in [["install", "1.22.5"], ["use", "1.21"], ["uninstall", "1.21.13", "--force"]] {
            let (result, _) = try Self.bounded(sandbox, arguments)
            Self.expectOneError(result, status: 7, "\(sandbox.root)/.staging: it is a symlink to \(canary.path)")
            #expect(canary.contents == Canary.expected, "\(arguments)")
        }
        let (doctor, _) = try Self.bounded(sandbox, ["doctor", "--json", "--offline"])
        let output = try DoctorOutput(doctor)
        #expect(doctor.status == 1 && output.status("store.staging") == "error" && output.status("store.safety") == "error", "\(doctor)")
        #expect(canary.contents == Canary.expected)
        #expect(sandbox.storeSnapshot() == before)
        #expect(sandbox.currentGoVersion() == Self.goIs121)
    }

    @Test("a symlinked cache/, cache/archives or cache/sumdb is refused by cache clean and install; the target keeps its files",
          arguments: ["cache", "cache/archives", "cache/sumdb"])
    func symlinkedCache(entry: String) throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5")
        let canary = try Canary(sandbox, entry.replacingOccurrences(of: "/", with: "-"))
        try FileManager.default.createDirectory(atPath: sandbox.root + "/cache", withIntermediateDirectories: true)
        try Self.replaceWithSymlink(sandbox.root + "/" + entry, to: canary.path)

        for arguments in [["cache", "clean"], ["install", "1.22.5", "--keep-archive"]] {
            let (result, _) = try Self.bounded(sandbox, arguments)
            Self.expectOneError(result, status: 7, "\(sandbox.root)/\(entry): it is a symlink to \(canary.path)")
            #expect(canary.contents == Canary.expected, "\(arguments)")
        }
        FailureTests.expectUnchanged(sandbox, before)
    }

    @Test("a symlinked .lock is never opened through: install refuses, the file it names is unchanged")
    func symlinkedLock() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5")
        let target = sandbox.directory + "/lock-target"
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: target))
        try Self.replaceWithSymlink(sandbox.root + "/.lock", to: target)
        let (result, _) = try Self.bounded(sandbox, ["install", "1.22.5"])
        Self.expectOneError(result, status: 7, "\(sandbox.root)/.lock: it is a symlink to \(target)")
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious\n")
        FailureTests.expectUnchanged(sandbox, before)
    }

    @Test("a version directory that is a symlink is not a version: not listed, not used, replaced by install; target untouched")
    func symlinkedVersion() throws {
        let (sandbox, _) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5")
        let canary = try Canary(sandbox, "version")
        try Self.replaceWithSymlink(sandbox.root + "/go1.22.5", to: canary.path)

        let list = try sandbox.gover("list")
        #expect(list.status == 0 && list.stdout == "* go1.21.13\n", "\(list)")
        Self.expectOneError(try sandbox.gover("use", "1.22.5"), status: 3, "no installed version matches '1.22.5'")
        Self.expectOneError(try sandbox.gover("uninstall", "1.22.5"), status: 3, "no installed version matches '1.22.5'")
        let install = try sandbox.gover("install", "1.22.5", "--use")
        #expect(install.status == 0 && install.stderr.contains("Installed go1.22.5"), "\(install)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
        #expect(canary.contents == Canary.expected)
        #expect(sandbox.stagingEntries().isEmpty)
    }

    // MARK: Who may write the store

    @Test("a store owned by nobody with .staging -> a root-only directory: root refuses it; the directory is untouched",
          .enabled(if: canDropPrivileges, "needs root to plant the link as another user (setpriv)"))
    func storeOwnedByAnotherUser() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5")
        chmod(sandbox.directory, 0o755)
        let canary = try Canary(sandbox, "root-only", mode: 0o700)
        try #require(FilesystemTests.run("/bin/chown", ["-R", "65534:65534", sandbox.root]) == 0)
        // `nobody` plants the link in the store it owns (fixed words and paths only).
        let planted = try runProgram("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--",
                                                          "/bin/sh", "-c", "rm -rf \"$0/.staging\" && ln -s \"$1\" \"$0/.staging\"",
                                                          sandbox.root, canary.path])
        try #require(planted.status == 0, "\(planted)")

        for arguments in [["install", "1.22.5"], ["use", "1.21"], ["uninstall", "--force", "1.21.13"], ["cache", "clean"], ["list"]] {
            let (result, _) = try Self.bounded(sandbox, arguments)
            Self.expectOneError(result, status: 7, "the store \(sandbox.root) is owned by uid 65534")
            #expect(canary.contents == Canary.expected, "\(arguments)")
        }
        let (doctor, _) = try Self.bounded(sandbox, ["doctor", "--json", "--offline"])
        #expect(try DoctorOutput(doctor).message("store.safety").contains("owned by uid 65534"), "\(doctor)")
        // Allowing a shared store does not allow a symlinked .staging.
        let (shared, _) = try Self.bounded(sandbox, ["install", "1.22.5"], env: ["GOVER_ALLOW_SHARED_STORE": "1"])
        Self.expectOneError(shared, status: 7, "\(sandbox.root)/.staging: it is a symlink")
        #expect(canary.contents == Canary.expected)
        #expect(sandbox.storeSnapshot() == before)
        #expect(sandbox.currentGoVersion() == Self.goIs121)
    }

    @Test("a store writable by others, or under a non-sticky group-writable directory, is refused unless GOVER_ALLOW_SHARED_STORE=1; a sticky parent is fine")
    func sharedStore() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5")
        chmod(sandbox.root, 0o777)
        Self.expectOneError(try sandbox.gover("list"), status: 7, "the store \(sandbox.root) is writable by its group or others (mode 777)")
        Self.expectOneError(try sandbox.gover("install", "1.22.5"), status: 7, "GOVER_ALLOW_SHARED_STORE=1")
        #expect(sandbox.storeSnapshot() == before)
        let allowed = try sandbox.gover("install", "1.22.5", env: ["GOVER_ALLOW_SHARED_STORE": "1"])
        #expect(allowed.status == 0 && allowed.stderr.contains("Installed go1.22.5"), "\(allowed)")
        chmod(sandbox.root, 0o755)

        chmod(sandbox.directory, 0o775)
        Self.expectOneError(try sandbox.gover("use", "1.22.5"), status: 7, "\(sandbox.directory) (above the store) is writable by its group or others (mode 775)")
        chmod(sandbox.directory, 0o1777)  // like /tmp
        let sticky = try sandbox.gover("use", "1.22.5")
        #expect(sticky.status == 0, "\(sticky)")
        chmod(sandbox.directory, 0o700)
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    // MARK: FIFOs in place of files

    @Test("a FIFO as ~/.bashrc or ~/.zshrc: init refuses it at once, doctor names it; nothing is written",
          arguments: [("bash", ".bashrc"), ("zsh", ".zshrc")])
    func fifoStartupFile(shell: String, file: String) throws {
        let (sandbox, _) = try FailureTests.withActiveVersion()
        let fifo = sandbox.home + "/" + file
        try #require(mkfifo(fifo, 0o644) == 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: sandbox.home).sorted()

        let (initResult, seconds) = try Self.bounded(sandbox, ["init", "--shell", shell], limit: 10)
        #expect(seconds < 5, "init took \(seconds)s")
        Self.expectOneError(initResult, status: 7, "refusing to read \(fifo): it is a FIFO (named pipe), not a regular file")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.home).sorted() == before)

        let env = ["SHELL": "/bin/" + shell, "PATH": sandbox.root + "/current/bin:/usr/bin:/bin"]
        let (doctor, doctorSeconds) = try Self.bounded(sandbox, ["doctor", "--json", "--offline"], env: env, limit: 20)
        #expect(doctorSeconds < 10, "doctor took \(doctorSeconds)s")
        let output = try DoctorOutput(doctor)
        #expect(output.status("shell.rc") == "error" && output.message("shell.rc").contains("\(fifo): it is a FIFO"), "\(doctor)")
        #expect(sandbox.currentGoVersion() == Self.goIs121)
    }

    @Test("a FIFO as .go-version or go.mod: use refuses it at once (exit 2, file named); doctor finishes",
          arguments: [".go-version", "go.mod"])
    func fifoPinFile(name: String) throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let project = try Self.makeProject(sandbox)
        try #require(mkfifo(project + "/" + name, 0o644) == 0)

        let (use, seconds) = try Self.bounded(sandbox, ["use"], directory: project, limit: 10)
        #expect(seconds < 5, "use took \(seconds)s")
        Self.expectOneError(use, status: 2, "\(project)/\(name):1: it is a FIFO (named pipe), not a regular file")
        let (doctor, doctorSeconds) = try Self.bounded(sandbox, ["doctor", "--json", "--offline"], directory: project)
        #expect(doctorSeconds < 10, "doctor took \(doctorSeconds)s")
        #expect(try DoctorOutput(doctor).message("project.pin").contains("it is a FIFO"), "\(doctor)")
        FailureTests.expectUnchanged(sandbox, before)
    }

    // MARK: Waits without an end

    @Test("a hung go (it backgrounds a child that keeps the pipe open): doctor kills its process group and answers in bounded time")
    func hungGo() throws {
        let (sandbox, _) = try FailureTests.withActiveVersion()
        try Self.plantTree(sandbox.root + "/go1.30.0", goScript: "#!/bin/sh\nsleep 1000 &\nexec sleep 1000\n")
        try #require(try sandbox.gover("use", "1.30.0").status == 0)
        // A mark in the environment doctor hands to go, to find any process it left behind.
        let mark = "GOVER_HUNG_TEST=" + UUID().uuidString
        let markKey = String(mark.split(separator: "=")[0]), markValue = String(mark.split(separator: "=")[1])
        let env = ["PATH": sandbox.root + "/current/bin:/usr/bin:/bin", markKey: markValue]
        let (doctor, seconds) = try Self.bounded(sandbox, ["doctor", "--json", "--offline"], env: env, limit: 40)
        #expect(seconds < 15, "doctor took \(seconds)s")
        let output = try DoctorOutput(doctor)
        #expect(output.status("store.versions") == "error", "\(doctor)")
        #expect(output.message("store.versions").contains("go1.30.0: `\(sandbox.root)/go1.30.0/bin/go version` did not finish in time"), "\(doctor)")
        #expect(output.status("go.version") == "error", "\(doctor)")
        usleep(200_000)
        #expect(Self.processes(withEnvironment: mark).isEmpty, "doctor left hung processes behind")
    }

    /// Live processes whose environment holds `entry`.
    static func processes(withEnvironment entry: String) -> [String] {
        let needle = Data(entry.utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
            guard Int(pid) != nil, let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return environ.range(of: needle) != nil
        }
    }

    // MARK: Trees that are not a working Go

    @Test("planted empty, incomplete and bin/go-is-a-directory versions: not listed, not used, not exec'd; install installs them properly",
          arguments: ["empty", "incomplete", "bin-go-directory"])
    func notWorkingTrees(kind: String) throws {
        let (sandbox, _) = try FailureTests.withActiveVersion()
        let tree = sandbox.root + "/go1.23.4"
        switch kind {
        case "empty": try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        case "incomplete":
            try Self.plantTree(tree, goScript: nil)
            try Data("go1.23.4\n".utf8).write(to: URL(fileURLWithPath: tree + "/VERSION"))
        default: try FileManager.default.createDirectory(atPath: tree + "/bin/go", withIntermediateDirectories: true)
        }
        let before = sandbox.storeSnapshot()
        let list = try sandbox.gover("list")
        #expect(list.stdout == "* go1.21.13\n", "\(list)")
        Self.expectOneError(try sandbox.gover("use", "1.23.4"), status: 3, "no installed version matches '1.23.4'")
        Self.expectOneError(try sandbox.gover("exec", "1.23.4", "--", "go", "version"), status: 3, "no installed version matches '1.23.4'")
        let (doctor, _) = try Self.bounded(sandbox, ["doctor", "--json", "--offline"])
        #expect(try DoctorOutput(doctor).message("store.versions").contains("go1.23.4: not a working install"), "\(doctor)")
        #expect(sandbox.storeSnapshot() == before)
        #expect(sandbox.currentGoVersion() == Self.goIs121)

        try sandbox.publish("go1.23.4")
        let install = try sandbox.gover("install", "1.23.4", "--use")
        #expect(install.status == 0 && install.stderr.contains("Installed go1.23.4") && !install.stderr.contains("already installed"), "\(install)")
        #expect(sandbox.currentGoVersion() == "go version go1.23.4 linux/amd64")
    }

    @Test("install --os darwin, then a native install of the same version: two trees, two names; use and list see only the native one; uninstall --os removes the foreign one")
    func foreignPlatform() throws {
        let (sandbox, _) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5", platform: "darwin-arm64")
        try sandbox.publish("go1.22.5")
        let foreignUse = try sandbox.gover("install", "1.22.5", "--os", "darwin", "--arch", "arm64", "--use")
        #expect(foreignUse.status == 2 && foreignUse.stderr.contains("--use activates a version for this machine"), "\(foreignUse)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/go1.22.5.darwin-arm64"))
        let foreign = try sandbox.gover("install", "1.22.5", "--os", "darwin", "--arch", "arm64")
        #expect(foreign.status == 0 && foreign.stderr.contains("go1.22.5.darwin-arm64"), "\(foreign)")
        #expect(try String(contentsOfFile: sandbox.root + "/go1.22.5.darwin-arm64/.gover-platform", encoding: .utf8) == "darwin-arm64\n")
        #expect(try sandbox.gover("list").stdout == "* go1.21.13\n")
        Self.expectOneError(try sandbox.gover("use", "1.22.5"), status: 3, "no installed version matches '1.22.5'")
        let again = try sandbox.gover("install", "1.22.5", "--os", "darwin", "--arch", "arm64")
        #expect(again.status == 0 && again.stderr.contains("go1.22.5 is already installed"), "\(again)")

        let native = try sandbox.gover("install", "1.22.5")
        #expect(native.status == 0 && native.stderr.contains("Installed go1.22.5 in \(sandbox.root)/go1.22.5 "), "\(native)")
        #expect(try String(contentsOfFile: sandbox.root + "/go1.22.5/.gover-platform", encoding: .utf8) == "linux-amd64\n")
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/go1.22.5.darwin-arm64/bin/go"))
        #expect(try sandbox.gover("use", "1.22.5").status == 0)
        #expect(try sandbox.gover("list").stdout == "* go1.22.5\n  go1.21.13\n")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
        // The foreign tree is removed by naming its platform; the active native one stays.
        let removed = try sandbox.gover("uninstall", "1.22.5", "--os", "darwin", "--arch", "arm64")
        #expect(removed.status == 0 && removed.stderr.contains("Removed go1.22.5.darwin-arm64"), "\(removed)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.root + "/go1.22.5.darwin-arm64"))
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("a darwin tree under the native name (an older gover's --os install) is not installed: install replaces it")
    func foreignTreeUnderNativeName() throws {
        let (sandbox, _) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5")
        try Self.plantTree(sandbox.root + "/go1.22.5", goScript: "#!/bin/sh\necho darwin\n")
        try Data("darwin-arm64\n".utf8).write(to: URL(fileURLWithPath: sandbox.root + "/go1.22.5/.gover-platform"))
        #expect(try sandbox.gover("list").stdout == "* go1.21.13\n")
        let install = try sandbox.gover("install", "1.22.5", "--use")
        #expect(install.status == 0 && install.stderr.contains("Installed go1.22.5"), "\(install)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("a tree from an older gover (no marker) still counts as native, and gets its marker under the lock")
    func markerlessTree() throws {
        let (sandbox, _) = try FailureTests.withActiveVersion()
        let marker = sandbox.root + "/go1.21.13/.gover-platform"
        try FileManager.default.removeItem(atPath: marker)
        #expect(try sandbox.gover("list").stdout == "* go1.21.13\n")
        #expect(!FileManager.default.fileExists(atPath: marker))  // list takes no lock, writes nothing
        #expect(try sandbox.gover("use", "1.21").status == 0)
        #expect(try String(contentsOfFile: marker, encoding: .utf8) == "linux-amd64\n")
    }

    @Test("--os and --arch must be plain Go tokens: exit 2 before anything happens",
          arguments: [["--os", "../x"], ["--arch", "amd64;x"], ["--os", "Linux"], ["--arch", ""]])
    func invalidPlatform(option: [String]) throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let result = try sandbox.gover("install", "1.22.5", option[0], option[1])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("\(option[0]) '\(option[1])' is not a Go platform name"), "\(result)")
        FailureTests.expectUnchanged(sandbox, before)
    }

    // MARK: Misreports

    @Test("current -> a directory outside the store: current, which, list fail naming it; doctor says where it points")
    func currentOutside() throws {
        let (sandbox, _) = try FailureTests.withActiveVersion()
        let outside = sandbox.directory + "/elsewhere"
        try Self.plantTree(outside, goScript: "#!/bin/sh\necho \"go version go1.21.13 linux/amd64\"\n")
        try Self.replaceWithSymlink(sandbox.root + "/current", to: outside)
        let before = sandbox.storeSnapshot()
        for arguments in [["current"], ["which"], ["list"]] {
            let (result, _) = try Self.bounded(sandbox, arguments)
            Self.expectOneError(result, status: 7, "\(sandbox.root)/current points to \(outside), outside the store")
            #expect(result.stdout.isEmpty, "\(result)")
        }
        let (doctor, _) = try Self.bounded(sandbox, ["doctor", "--json", "--offline"])
        let output = try DoctorOutput(doctor)
        #expect(output.status("store.current") == "error" && output.message("store.current").contains("points to \(outside), outside the store"), "\(doctor)")
        #expect(sandbox.storeSnapshot() == before)
    }

    @Test("current as a real directory: a clear error, not 'no versions'")
    func currentDirectory() throws {
        let (sandbox, _) = try FailureTests.withActiveVersion()
        try FileManager.default.removeItem(atPath: sandbox.root + "/current")
        try FileManager.default.createDirectory(atPath: sandbox.root + "/current/bin", withIntermediateDirectories: true)
        for arguments in [["current"], ["which"], ["list"], ["use", "1.21"]] {
            Self.expectOneError(try sandbox.gover(arguments[0], arguments.count > 1 ? arguments[1] : "--quiet"), status: 7,
                                "\(sandbox.root)/current is a directory, not the symlink gover makes")
        }
        let (doctor, _) = try Self.bounded(sandbox, ["doctor", "--json", "--offline"])
        #expect(try DoctorOutput(doctor).message("store.current").contains("is a directory"), "\(doctor)")
    }

    @Test("GOVER_ROOT a regular file (exit 7) or relative (exit 2): a clear error, not 'no versions installed'")
    func badRoot() throws {
        let sandbox = try Sandbox()
        let file = sandbox.directory + "/not-a-store"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        for command in ["list", "current", "use"] {
            Self.expectOneError(try sandbox.gover(command, env: ["GOVER_ROOT": file]), status: 7,
                                "GOVER_ROOT=\(file) is a regular file, not a directory")
            Self.expectOneError(try sandbox.gover(command, env: ["GOVER_ROOT": "relative/store"]), status: 2,
                                "GOVER_ROOT=relative/store is a relative path")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == Data("x".utf8))
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory + "/relative"))
    }

    // MARK: Pins

    @Test("an exact pin go1.20 (.go-version, .tool-versions, toolchain line) means go1.20, as `gover use go1.20` does",
          arguments: [(".go-version", "go1.20\n"), (".tool-versions", "golang go1.20\n"), ("go.mod", "module m\n\ngo 1.20\ntoolchain go1.20\n")])
    func exactPinKeepsPrefix(file: String, text: String) throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.20")
        try sandbox.publish("go1.20.14")
        try #require(try sandbox.gover("install", "go1.20", "1.20.14").status == 0)
        let project = try Self.makeProject(sandbox)
        try Data(text.utf8).write(to: URL(fileURLWithPath: project + "/" + file))
        let (use, _) = try Self.bounded(sandbox, ["use"], directory: project)
        #expect(use.status == 0 && use.stderr.contains("Now using go1.20 "), "\(use)")
        #expect(sandbox.currentGoVersion() == "go version go1.20 linux/amd64")
    }

    @Test("`go 1` in a go.mod is refused with file and line")
    func goLineNeedsMinor() throws {
        let (sandbox, before) = try FailureTests.withActiveVersion()
        let project = try Self.makeProject(sandbox)
        try Data("module m\n\ngo 1\n".utf8).write(to: URL(fileURLWithPath: project + "/go.mod"))
        let (use, _) = try Self.bounded(sandbox, ["use"], directory: project)
        Self.expectOneError(use, status: 2, "\(project)/go.mod:3: `go 1` needs at least a major and minor version")
        FailureTests.expectUnchanged(sandbox, before)
    }
}
