import Foundation
import Testing

/// `gover doctor --json`, decoded.
struct DoctorOutput {
    var ok: Bool
    var checks: [[String: Any]]

    init(_ result: CommandResult) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        ok = try #require(object["ok"] as? Bool)
        checks = try #require(object["checks"] as? [[String: Any]])
        #expect(object["schema"] as? Int == 1)
        #expect(Set(object.keys) == ["schema", "ok", "checks"])
    }

    func status(_ id: String) -> String? { check(id)?["status"] as? String }
    func message(_ id: String) -> String { check(id)?["message"] as? String ?? "" }
    func fix(_ id: String) -> String { check(id)?["fix"] as? String ?? "" }
    func check(_ id: String) -> [String: Any]? { checks.first { $0["id"] as? String == id } }
}

@Suite("gover doctor")
struct DoctorTests {
    static let checkIDs = ["store.current", "store.versions", "store.staging", "store.safety", "store.commands", "path.go", "path.commands", "go.version", "env.goroot",
                           "env.gopath-bin", "env.gotoolchain", "project.pin", "project.toolchain", "net.goproxy", "net.sumdb", "shell.rc"]

    /// x/mod's test database key (sumdb/client_test.go) and a tree head signed with it: the
    /// loopback mirror relays it as `<proxy>/sumdb/<name>/{supported,latest}`.
    static let testDatabaseKey = "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6"
    static let testTreeHead = "go.sum database tree\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n\n"
        + "— localhost.localdev/sumdb AAAMZxgWb9UfSB/ctiXHDOyKfzwm4Omwm6TQ+ZfRGQhOWBVsfjzhriuWuX8yR6TZV5GQZraa2FNr5KOTmcbj5XaOUQg=\n"

    /// go1.22.5 installed and current, `gover init` done for bash, PATH as the block makes it.
    private func healthySandbox() throws -> (Sandbox, [String: String]) {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.22.5").status == 0)
        try #require(try sandbox.gover("init", "--shell", "bash").status == 0)
        try "".write(toFile: sandbox.mirrorDirectory + "/supported", atomically: true, encoding: .utf8)
        try Self.testTreeHead.write(toFile: sandbox.mirrorDirectory + "/latest", atomically: true, encoding: .utf8)
        let environment = [
            "PATH": "\(sandbox.root)/current/bin:\(sandbox.root)/bin:\(sandbox.home)/go/bin:/usr/bin:/bin",
            "SHELL": "/bin/bash",
            "GOPROXY": sandbox.mirrorURL + ",direct",
            "GOSUMDB": Self.testDatabaseKey,
        ]
        return (sandbox, environment)
    }

    private func doctor(_ sandbox: Sandbox, _ environment: [String: String], _ extra: String...,
                        directory: String? = nil) throws -> (CommandResult, DoctorOutput) {
        let result = try sandbox.start(["doctor", "--json"] + extra, env: environment, directory: directory).wait()
        return (result, try DoctorOutput(result))
    }

    @Test("a healthy setup: exit 0, every check ok, a stable JSON shape")
    func healthy() throws {
        let (sandbox, environment) = try healthySandbox()
        let (result, output) = try doctor(sandbox, environment)
        #expect(result.status == 0, "\(result)")
        #expect(output.ok)
        #expect(output.checks.map { $0["id"] as? String } == Self.checkIDs)
        for check in output.checks {
            #expect(Set(check.keys) == ["id", "status", "message", "fix"])
            #expect(check["status"] as? String == "ok", "\(check)")
        }
        #expect(output.message("net.goproxy").contains("answers"))
        #expect(output.message("net.sumdb").contains("through the proxy \(sandbox.mirrorURL.dropLast())"), "\(output.message("net.sumdb"))")
        #expect(output.message("net.sumdb").contains("(5 records)"))

        let text = try sandbox.gover("doctor", env: environment)
        #expect(text.status == 0)
        #expect(text.stdout.hasSuffix("No problems found.\n"), "\(text)")
    }

    @Test("net.sumdb: settings that would break toolchain downloads", arguments: [
        (["GOSUMDB": "off"], "warning", "GOSUMDB=off"),
        (["GOSUMDB": "sum.golang.org+bad"], "error", "GOSUMDB"),
        (["GOPROXY": "off"], "warning", "GOPROXY=off"),
        // A proxy answering /sumdb/<name>/supported with 500: the go command gives up on the database.
        (["GOPROXY": "MIRROR_f/status=500/,direct"], "error", "HTTP 500"),
        // The database answers, signed by another key than GOSUMDB's.
        (["GOSUMDB": "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"], "error", "does not verify"),
    ] as [([String: String], String, String)])
    func checksumDatabaseSettings(overrides: [String: String], status: String, mentions: String) throws {
        let (sandbox, base) = try healthySandbox()
        var environment = base
        for (key, value) in overrides { environment[key] = value.replacingOccurrences(of: "MIRROR", with: sandbox.mirrorURL) }
        let (_, output) = try doctor(sandbox, environment)
        #expect(output.status("net.sumdb") == status, "\(output.message("net.sumdb"))")
        #expect(output.message("net.sumdb").contains(mentions), "\(output.message("net.sumdb"))")
        if status == "error" { #expect(!output.ok) }
        let (_, offline) = try doctor(sandbox, environment, "--offline")
        if overrides["GOSUMDB"] != "off" && overrides["GOPROXY"] != "off" && overrides["GOSUMDB"] != "sum.golang.org+bad" {
            #expect(offline.status("net.sumdb") == "skipped")
        }
    }

    @Test("a fake older go earlier on PATH is named with the rc line that adds it; after the fix doctor exits 0")
    func shadowingGo() throws {
        let (sandbox, _) = try healthySandbox()
        let fake = try sandbox.makeFakeGo()
        let bashrc = sandbox.home + "/.bashrc"
        let before = sandbox.read(bashrc) ?? ""
        // The classic: a line added after gover's block, from an old Go install guide.
        try (before + "export PATH=\"\(fake):$PATH\"\n").write(toFile: bashrc, atomically: true, encoding: .utf8)
        let line = before.split(separator: "\n", omittingEmptySubsequences: false).count
        let environment = [
            "HOME": sandbox.home, "PATH": "/usr/bin:/bin", "SHELL": "/bin/bash", "TERM": "dumb",
            "GOPROXY": sandbox.mirrorURL, "GOSUMDB": Self.testDatabaseKey,
        ]
        let command = "\(goverBinary) doctor --json; echo \"exit=$?\" >&2"

        let broken = try runProgram("/bin/bash", ["-i", "-c", command], environment: environment, directory: sandbox.directory, timeout: 30)
        let output = try DoctorOutput(broken)
        #expect(broken.stderr.contains("exit=1"), "\(broken)")
        #expect(!output.ok)
        #expect(output.status("path.go") == "error")
        #expect(output.message("path.go").hasPrefix("\(fake)/go comes first on PATH, before gover's \(sandbox.root)/current/bin/go"),
                "\(output.message("path.go"))")
        #expect(output.message("path.go").contains("\(bashrc):\(line)"), "\(output.message("path.go"))")
        #expect(output.fix("path.go").contains("delete or comment out the line at \(bashrc):\(line)"))
        #expect(output.status("go.version") == "error")
        #expect(output.message("go.version").contains("go1.19.8"))

        // The fix doctor gave: take the line out again.
        try before.write(toFile: bashrc, atomically: true, encoding: .utf8)
        let fixed = try runProgram("/bin/bash", ["-i", "-c", command], environment: environment, directory: sandbox.directory, timeout: 30)
        #expect(fixed.stderr.contains("exit=0"), "\(fixed)")
        #expect(try DoctorOutput(fixed).ok)

        // Without a shell: the same go first on the inherited PATH.
        var shadowed = ["PATH": "\(fake):\(sandbox.root)/current/bin:\(sandbox.home)/go/bin:/usr/bin:/bin", "SHELL": "/bin/bash"]
        let (result, direct) = try doctor(sandbox, shadowed, "--offline")
        #expect(result.status == 1)
        #expect(direct.status("path.go") == "error")
        shadowed["PATH"] = "\(sandbox.root)/current/bin:\(sandbox.home)/go/bin:\(fake):/usr/bin:/bin"
        let (after, afterOutput) = try doctor(sandbox, shadowed, "--offline")
        #expect(after.status == 0, "\(after)")
        #expect(afterOutput.message("path.go").contains("later on PATH, not used: \(fake)/go"))
    }

    @Test("GOPROXY: the loopback mirror answers; a closed port is a warning only; --offline skips it")
    func goproxy() throws {
        let (sandbox, environment) = try healthySandbox()
        var unreachable = environment
        unreachable["GOPROXY"] = "http://127.0.0.1:9"
        let (result, output) = try doctor(sandbox, unreachable)
        #expect(result.status == 0, "\(result)")
        #expect(output.status("net.goproxy") == "warning")
        #expect(output.message("net.goproxy").contains("unreachable"))
        let (_, offline) = try doctor(sandbox, unreachable, "--offline")
        #expect(offline.status("net.goproxy") == "skipped")
        var direct = environment
        direct["GOPROXY"] = "direct"
        #expect(try doctor(sandbox, direct).1.status("net.goproxy") == "skipped")
    }

    @Test("GOROOT: unset or gover's current is fine; another tree is an error")
    func goroot() throws {
        let (sandbox, environment) = try healthySandbox()
        var other = environment
        other["GOROOT"] = "/usr/local/go"
        let (result, output) = try doctor(sandbox, other, "--offline")
        #expect(result.status == 1)
        #expect(output.status("env.goroot") == "error")
        #expect(output.fix("env.goroot").hasPrefix("unset GOROOT"))
        var following = environment
        following["GOROOT"] = sandbox.root + "/current"
        #expect(try doctor(sandbox, following, "--offline").1.status("env.goroot") == "ok")
        var pinned = environment
        pinned["GOROOT"] = sandbox.root + "/go1.22.5"
        #expect(try doctor(sandbox, pinned, "--offline").1.status("env.goroot") == "warning")
    }

    @Test("GOTOOLCHAIN and a go.mod asking for a newer Go: warnings, an error when go would refuse")
    func toolchainSwitching() throws {
        let (sandbox, environment) = try healthySandbox()
        let project = sandbox.directory + "/project"
        try FileManager.default.createDirectory(atPath: project + "/cmd", withIntermediateDirectories: true)
        try "module example.com/p\n\ngo 1.23.0\n".write(toFile: project + "/go.mod", atomically: true, encoding: .utf8)

        let (result, output) = try doctor(sandbox, environment, "--offline", directory: project + "/cmd")
        #expect(result.status == 0, "\(result)")
        #expect(output.status("project.toolchain") == "warning")
        #expect(output.message("project.toolchain").contains("needs Go >= 1.23.0, which gover does not have"))
        #expect(output.fix("project.toolchain").hasPrefix("gover install 1.23.0 (Go's own switching"))
        #expect(output.status("project.pin") == "warning")
        #expect(output.message("project.pin").contains("\(project)/go.mod:3 asks for Go >= 1.23.0"))

        var local = environment
        local["GOTOOLCHAIN"] = "local"
        let (refused, refusedOutput) = try doctor(sandbox, local, "--offline", directory: project)
        #expect(refused.status == 1)
        #expect(refusedOutput.status("project.toolchain") == "error")
        #expect(refusedOutput.fix("project.toolchain") == "gover install 1.23.0 --use")

        // Once gover has it, Go's own switching is served from the store's bin/.
        try sandbox.publish("go1.23.0")
        try #require(try sandbox.gover("install", "1.23.0").status == 0)
        let (_, served) = try doctor(sandbox, environment, "--offline", directory: project)
        #expect(served.status("project.toolchain") == "ok", "\(served.message("project.toolchain"))")
        #expect(served.message("project.toolchain").contains("switches from go1.22.5 to gover's go1.23.0 (\(sandbox.root)/bin/go1.23.0)"))
        var withoutBin = environment
        withoutBin["PATH"] = "\(sandbox.root)/current/bin:\(sandbox.home)/go/bin:/usr/bin:/bin"
        let (_, unserved) = try doctor(sandbox, withoutBin, "--offline", directory: project)
        #expect(unserved.status("project.toolchain") == "warning")
        #expect(unserved.status("path.commands") == "warning")

        var forced = environment
        forced["GOTOOLCHAIN"] = "go1.21.0+auto"
        let (_, forcedOutput) = try doctor(sandbox, forced, "--offline")
        #expect(forcedOutput.status("env.gotoolchain") == "warning")
        #expect(forcedOutput.message("env.gotoolchain").contains("run go1.21.0"))
    }

    @Test("the store: a broken version is an error with its reinstall command; leftover staging a warning")
    func storeProblems() throws {
        let (sandbox, environment) = try healthySandbox()
        try sandbox.publish("go1.21.13")
        try #require(try sandbox.gover("install", "1.21.13").status == 0)
        try FileManager.default.removeItem(atPath: sandbox.root + "/go1.21.13/bin/go")
        try FileManager.default.createDirectory(atPath: sandbox.root + "/.staging/go1.23.0-AbCdEf/go", withIntermediateDirectories: true)
        let (result, output) = try doctor(sandbox, environment, "--offline")
        #expect(result.status == 1)
        #expect(output.status("store.versions") == "error")
        #expect(output.fix("store.versions") == "gover install --force 1.21.13")
        #expect(output.status("store.staging") == "warning")
        #expect(output.status("path.go") == "ok")
    }

    @Test("no gover block in the shell's start-up files: a warning naming them and `gover init`")
    func missingBlock() throws {
        let (sandbox, environment) = try healthySandbox()
        #expect(try sandbox.gover("init", "--shell", "bash", "--remove").status == 0)
        let (result, output) = try doctor(sandbox, environment, "--offline")
        #expect(result.status == 0)
        #expect(output.status("shell.rc") == "warning")
        #expect(output.message("shell.rc").contains("\(sandbox.home)/.bashrc (interactive bash)"))
        #expect(output.fix("shell.rc").hasPrefix("gover init --shell bash"))
        var zsh = environment
        zsh["SHELL"] = "/usr/bin/zsh"
        #expect(try doctor(sandbox, zsh, "--offline").1.message("shell.rc").contains(".zshrc"))
    }
}
