import Foundation
import Testing

/// The version follows the directory, in real bash, zsh and fish after `gover init --auto`:
/// commands are typed into an interactive shell (bash's PROMPT_COMMAND needs its prompts;
/// zsh's chpwd and fish's PWD event fire on every cd), and `gover` is a wrapper that logs
/// each start, so "no process" is observed, not assumed.
@Suite("per-directory switching and session versions in real shells", .serialized)
struct AutoSwitchTests {
    static let shells: [RealShell] = [.bash, .zsh, .fish]

    /// go1.20.14, go1.21.13, go1.22.5 installed, current go1.22.5; a logging `gover` first on
    /// PATH; `gover init --auto` done for `shell`.
    static func prepare(_ shell: RealShell) throws -> (Sandbox, [String: String], log: String) {
        let sandbox = try Sandbox()
        for version in ["go1.20.14", "go1.21.13", "go1.22.5"] { try sandbox.publish(version) }
        try #require(try sandbox.gover("install", "1.20", "1.21", "1.22.5").status == 0)
        try #require(try sandbox.gover("use", "1.22.5").status == 0)
        let bin = sandbox.directory + "/tools"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let log = sandbox.directory + "/gover-starts.log"
        try "#!/bin/sh\necho \"$*\" >> '\(log)'\nexec '\(goverBinary)' \"$@\"\n".write(toFile: bin + "/gover", atomically: true, encoding: .utf8)
        chmod(bin + "/gover", 0o755)
        var environment = [
            "HOME": sandbox.home, "GOVER_ROOT": sandbox.root, "PATH": bin + ":/usr/bin:/bin",
            "SHELL": shell.executable, "TERM": "dumb", "LANG": "C.UTF-8",
        ]
        if shell == .zsh { environment["ZDOTDIR"] = sandbox.home }
        let initialised = try runProgram(bin + "/gover", ["init", "--auto", "--shell", shell.goverName], environment: environment, timeout: 30)
        try #require(initialised.status == 0, "\(initialised)")
        try? FileManager.default.removeItem(atPath: log)
        return (sandbox, environment, log)
    }

    /// Whether `shell` is installed; records an issue when it is not (scripts/setup installs it).
    static func available(_ shell: RealShell) -> Bool {
        if FileManager.default.isExecutableFile(atPath: shell.executable) { return true }
        Issue.record("\(shell.executable) is not installed (scripts/setup installs it)")
        return false
    }

    /// A project directory (and `subdirectory` inside it) whose `.go-version` says `pin`.
    static func project(_ sandbox: Sandbox, _ name: String, pin: String, subdirectory: String = "") throws -> String {
        let path = sandbox.directory + "/projects/" + name
        try FileManager.default.createDirectory(atPath: path + "/" + subdirectory, withIntermediateDirectories: true)
        try (pin + "\n").write(toFile: path + "/.go-version", atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `lines` in an interactive `shell` (stdin), returning the result.
    static func interactive(_ shell: RealShell, _ lines: [String], environment: [String: String], in directory: String) throws -> CommandResult {
        let script = directory + "/typed-\(UUID().uuidString)"
        try (lines.joined(separator: "\n") + "\nexit\n").write(toFile: script, atomically: true, encoding: .utf8)
        let arguments = shell == .fish ? ["-i"] : ["-i"]
        return try runProgram("/bin/sh", ["-c", "exec \"$0\" \"$@\" < '\(script)'", shell.executable] + arguments,
                              environment: environment, directory: directory, timeout: 60)
    }

    /// `echo "MARK <go version>"` in the shell's syntax.
    static func probe(_ shell: RealShell, _ mark: String) -> String {
        shell == .fish ? "echo \(mark) (go version)" : "echo \(mark) \"$(go version)\""
    }

    static func marks(_ output: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count >= 4, words[0].hasPrefix("M"), words[1] == "go", words[2] == "version" {
                result[String(words[0])] = String(words[3])
            }
        }
        return result
    }

    @Test("cd into a pinned project switches, nested pins win, a go line current satisfies changes nothing, cd out restores",
          arguments: shells)
    func followsDirectory(shell: RealShell) throws {
        guard Self.available(shell) else { return }
        let (sandbox, environment, log) = try Self.prepare(shell)
        let projects = sandbox.directory + "/projects"
        let a = projects + "/a", nested = projects + "/a/inner", b = projects + "/b", missing = projects + "/c"
        for directory in [a + "/sub/deeper", nested, b, missing] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try "1.21\n".write(toFile: a + "/.go-version", atomically: true, encoding: .utf8)
        try "go1.20.14\n".write(toFile: nested + "/.go-version", atomically: true, encoding: .utf8)
        try "module example.com/b\n\ngo 1.20\n".write(toFile: b + "/go.mod", atomically: true, encoding: .utf8)
        try "1.19.13\n".write(toFile: missing + "/.go-version", atomically: true, encoding: .utf8)

        let result = try Self.interactive(shell, [
            Self.probe(shell, "M0"),
            "cd \(a)", Self.probe(shell, "M1"),
            "cd \(a)/sub", "cd \(a)/sub/deeper", Self.probe(shell, "M2"),
            "cd \(nested)", Self.probe(shell, "M3"),
            "cd \(b)", Self.probe(shell, "M4"),
            "cd \(missing)", Self.probe(shell, "M5"),
            "cd \(a)", "echo 1.20 > .go-version", "cd \(a)/sub", Self.probe(shell, "M6"),
            "cd /", Self.probe(shell, "M7"),
        ], environment: environment, in: sandbox.directory)
        let seen = Self.marks(result.stdout)
        #expect(seen == ["M0": "go1.22.5", "M1": "go1.21.13", "M2": "go1.21.13", "M3": "go1.20.14", "M4": "go1.22.5",
                         "M5": "go1.22.5", "M6": "go1.20.14", "M7": "go1.22.5"], "\(shell): \(result)")
        // The uninstalled pin: one line naming the file and the command.
        let complaints = result.stderr.split(separator: "\n").filter { $0.contains(".go-version:1 asks for Go 1.19.13, which is not installed") }
        #expect(complaints.count == 1, "\(shell): \(result.stderr)")
        #expect(result.stderr.contains("run `gover install`"), "\(shell)")
        // gover ran once per change of pin (start, a, nested, b, c, a again, a edited, /):
        // moving within project a (a → a/sub → a/sub/deeper) and editing without a cd
        // started nothing; a cd per move would make 11.
        let starts = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n") ?? []
        #expect(starts.allSatisfy { $0.hasPrefix("hook --shell") }, "\(shell): \(starts)")
        #expect(starts.count == 8, "\(shell): gover started \(starts.count) times: \(starts)")
        // Nothing global changed.
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("gover shell beats the directory pin until --unset; current --verbose and which say who chose", arguments: shells)
    func sessionVersion(shell: RealShell) throws {
        guard Self.available(shell) else { return }
        let (sandbox, environment, _) = try Self.prepare(shell)
        let a = try Self.project(sandbox, "a", pin: "1.21", subdirectory: "sub")
        let result = try Self.interactive(shell, [
            "cd \(a)", Self.probe(shell, "M1"),
            "gover shell 1.20", Self.probe(shell, "M2"),
            "cd \(a)/sub", Self.probe(shell, "M3"),
            "gover current --verbose", "gover which", "gover doctor --offline",
            "gover shell --unset", Self.probe(shell, "M4"),
            "cd /", Self.probe(shell, "M5"),
        ], environment: environment, in: sandbox.directory)
        #expect(Self.marks(result.stdout) == ["M1": "go1.21.13", "M2": "go1.20.14", "M3": "go1.20.14", "M4": "go1.21.13", "M5": "go1.22.5"],
                "\(shell): \(result)")
        #expect(result.stdout.contains("chosen by: this shell's session (`gover shell`"), "\(shell): \(result)")
        #expect(result.stdout.contains("current: go1.22.5"), "\(shell): \(result)")
        #expect(result.stdout.contains(sandbox.root + "/go1.20.14/bin/go\n"), "\(shell): \(result)")
        // doctor explains the disagreement with current instead of calling it a shadowing go.
        #expect(result.stdout.contains("the first go on PATH is gover's go1.20.14, chosen by this shell's session"), "\(shell): \(result)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("a shell started without gover on PATH stays usable: no error at any prompt", arguments: shells)
    func withoutGover(shell: RealShell) throws {
        guard Self.available(shell) else { return }
        let (sandbox, baseEnvironment, _) = try Self.prepare(shell)
        var environment = baseEnvironment
        environment["PATH"] = "/usr/bin:/bin"
        let a = try Self.project(sandbox, "a", pin: "1.21")
        let result = try Self.interactive(shell, ["cd \(a)", "echo M1 ok", "cd /", "echo M2 ok"],
                                          environment: environment, in: sandbox.directory)
        #expect(result.stdout.contains("M1 ok") && result.stdout.contains("M2 ok"), "\(shell): \(result)")
        #expect(!result.stderr.contains("gover:") && !result.stderr.contains("gover hook"), "\(shell): \(result.stderr)")
        #expect(!result.stderr.contains("not found"), "\(shell): \(result.stderr)")
    }

    @Test("without the shell function, gover shell prints the line to eval and exits 1")
    func withoutFunction() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        #expect(try sandbox.gover("install", "1.21").status == 0)
        let result = try sandbox.gover("shell", "1.21", "--shell", "bash")
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout == "eval \"$(gover shell --print 1.21)\"\n", "\(result)")
        #expect(result.stderr.contains("a program cannot do by itself"))
        let printed = try sandbox.gover("shell", "--print", "1.21", "--shell", "bash")
        #expect(printed.status == 0)
        #expect(printed.stdout.contains("export GOVER_SESSION_VERSION=go1.21.13\n"), "\(printed)")
        #expect(printed.stdout.contains("export PATH=\(sandbox.root)/go1.21.13/bin:"), "\(printed)")
    }

    @Test("GOVER_AUTO_INSTALL=1: a pinned version that is missing is installed (from the cached index) and used")
    func autoInstall() throws {
        let shell = RealShell.bash
        let sandbox = try Sandbox()
        for version in ["go1.19.13", "go1.22.5"] { try sandbox.publish(version) }
        try #require(try sandbox.gover("install", "1.22.5").status == 0)
        var environment = ["HOME": sandbox.home, "GOVER_ROOT": sandbox.root, "GOVER_MIRROR": sandbox.mirrorURL,
                           "PATH": FileManager.default.currentDirectoryPath + ":/usr/bin:/bin", "TERM": "dumb"]
        let bin = sandbox.directory + "/tools"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/gover", withDestinationPath: goverBinary)
        environment["PATH"] = bin + ":/usr/bin:/bin"
        #expect(try runProgram(bin + "/gover", ["init", "--auto", "--shell", "bash"], environment: environment, timeout: 30).status == 0)
        let project = sandbox.directory + "/old"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try "1.19.13\n".write(toFile: project + "/.go-version", atomically: true, encoding: .utf8)
        environment["GOVER_AUTO_INSTALL"] = "1"
        let result = try Self.interactive(shell, ["cd \(project)", Self.probe(shell, "M1")], environment: environment, in: sandbox.directory)
        #expect(Self.marks(result.stdout) == ["M1": "go1.19.13"], "\(result)")
        #expect(FileManager.default.fileExists(atPath: sandbox.root + "/go1.19.13/bin/go"))
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("init --auto: twice changes nothing, plain init replaces the block, --remove restores the file byte for byte")
    func initAutoBlock() throws {
        let sandbox = try Sandbox()
        let rc = sandbox.home + "/.bashrc"
        try FileManager.default.createDirectory(atPath: sandbox.home, withIntermediateDirectories: true)
        let original = "# mine\nalias ll='ls -l'\n"
        try original.write(toFile: rc, atomically: true, encoding: .utf8)
        #expect(try sandbox.gover("init", "--auto", "--shell", "bash").status == 0)
        let withHook = try String(contentsOfFile: rc, encoding: .utf8)
        #expect(withHook.contains("PROMPT_COMMAND=\"_gover_hook"))
        #expect(try sandbox.gover("init", "--auto", "--shell", "bash").stdout.contains("unchanged"))
        #expect(try String(contentsOfFile: rc, encoding: .utf8) == withHook)
        #expect(try sandbox.gover("init", "--shell", "bash").status == 0)
        #expect(!(try String(contentsOfFile: rc, encoding: .utf8)).contains("_gover_hook"))
        #expect(try sandbox.gover("init", "--remove", "--shell", "bash").status == 0)
        #expect(try String(contentsOfFile: rc, encoding: .utf8) == original)
        #expect(try sandbox.gover("init", "--auto", "--shell", "sh").status == 2)
    }

    @Test("a hostile project directory name is data, never code, in every shell's hook", arguments: shells)
    func hostileDirectoryName(shell: RealShell) throws {
        guard Self.available(shell) else { return }
        let (sandbox, environment, _) = try Self.prepare(shell)
        let name = "we'ird $(touch pwned1) `touch pwned2` \\; touch pwned3"
        let project = sandbox.directory + "/projects/" + name
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try "1.21\n".write(toFile: project + "/.go-version", atomically: true, encoding: .utf8)
        var quoted = "'"
        for character in project {
            if character == "'" { quoted += shell == .fish ? "\\'" : "'\\''" }
            else if character == "\\" && shell == .fish { quoted += "\\\\" }
            else { quoted.append(character) }
        }
        quoted += "'"
        // A Prepend character (U+0D4E) glued to `;` once passed an unquoted-word check that
        // looked at Swift Characters: `...ൎ;./evil/.go-version:1` ran a file of the repository.
        let glued = sandbox.directory + "/projects/x\u{0D4E};./evil"
        try FileManager.default.createDirectory(atPath: glued + "/evil", withIntermediateDirectories: true)
        try "1.21\n".write(toFile: glued + "/.go-version", atomically: true, encoding: .utf8)
        try "#!/bin/sh\ntouch '\(sandbox.directory)/pwned4'\n".write(toFile: glued + "/evil/.go-version:1", atomically: true, encoding: .utf8)
        chmod(glued + "/evil/.go-version:1", 0o755)
        // An escape sequence in a directory name reaches the terminal escaped.
        let escaping = sandbox.directory + "/projects/esc\u{1B}]0;TITLE\u{07}\u{1B}[2J"
        try FileManager.default.createDirectory(atPath: escaping, withIntermediateDirectories: true)
        try "1.19.13\n".write(toFile: escaping + "/.go-version", atomically: true, encoding: .utf8)
        let result = try Self.interactive(shell, ["cd \(quoted)", Self.probe(shell, "M1"), "gover current --verbose",
                                                  "cd '\(glued)'", Self.probe(shell, "M2"),
                                                  "cd \(sandbox.directory)/projects/esc*", Self.probe(shell, "M3")],
                                          environment: environment, in: sandbox.directory)
        #expect(Self.marks(result.stdout)["M2"] == "go1.21.13", "\(shell): \(result)")
        #expect(Self.marks(result.stdout)["M3"] == "go1.22.5", "\(shell): \(result)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.directory + "/pwned4"), "\(shell): a repository file ran")
        #expect(!result.stderr.contains("\u{1B}]0;"), "\(shell): a raw escape sequence reached the terminal")
        #expect(result.stderr.contains("\\x1b]0;TITLE"), "\(shell): \(result.stderr)")
        #expect(Self.marks(result.stdout)["M1"] == "go1.21.13", "\(shell): \(result)")
        #expect(result.stdout.contains("chosen by: the directory's pin \(project)/.go-version:1"), "\(shell): \(result)")
        for evidence in ["pwned1", "pwned2", "pwned3"] {
            #expect(!FileManager.default.fileExists(atPath: project + "/" + evidence), "\(shell): \(evidence)")
            #expect(!FileManager.default.fileExists(atPath: sandbox.directory + "/" + evidence), "\(shell): \(evidence)")
        }
    }

    @Test("a 50 MB one-line pin file costs the prompt a bounded read (the shell keeps within 5 s of CPU)", arguments: [RealShell.bash, .zsh])
    func hugePinFile(shell: RealShell) throws {
        guard Self.available(shell) else { return }
        let (sandbox, environment, _) = try Self.prepare(shell)
        let project = sandbox.directory + "/projects/huge"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try Data(repeating: UInt8(ascii: "a"), count: 50_000_000).write(to: URL(fileURLWithPath: project + "/.go-version"))
        let script = sandbox.directory + "/typed-huge"
        try "cd \(project)\necho M1 done\nexit\n".write(toFile: script, atomically: true, encoding: .utf8)
        let result = try runProgram("/bin/sh", ["-c", "ulimit -t 5; exec \"$0\" -i < '\(script)'", shell.executable],
                                    environment: environment, directory: sandbox.directory, timeout: 60)
        #expect(!result.killedBySignal && result.stdout.contains("M1 done"), "\(shell): \(result)")
    }
}
