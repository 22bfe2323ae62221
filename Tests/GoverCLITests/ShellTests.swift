import Foundation
import Testing

/// The real shells from Debian, each in a throw-away HOME (and ZDOTDIR), after `gover init`.
enum RealShell: String, CaseIterable, CustomTestStringConvertible {
    case bash, zsh, fish, dash

    var executable: String {
        switch self {
        case .bash: return "/bin/bash"
        case .zsh: return "/usr/bin/zsh"
        case .fish: return "/usr/bin/fish"
        case .dash: return "/bin/dash"
        }
    }

    /// The `--shell` name gover uses for it.
    var goverName: String { self == .dash ? "sh" : rawValue }

    var testDescription: String { rawValue }

    /// Prints `go version`, GOROOT (or `<unset>`) and PATH, one per line.
    var probe: String {
        if self == .fish {
            return "go version; if set -q GOROOT; echo \"GOROOT=$GOROOT\"; else; echo 'GOROOT=<unset>'; end; echo PATH=(string join : $PATH)"
        }
        return "go version; echo \"GOROOT=${GOROOT:-<unset>}\"; echo \"PATH=$PATH\""
    }
}

enum ShellMode: String, CaseIterable {
    case login = "login"
    case interactive = "interactive"
    case loginInteractive = "login+interactive"
    case command = "-c"
    case script = "script file"

    func arguments(probe: String, scriptPath: String) -> [String] {
        switch self {
        case .login: return ["-l", "-c", probe]
        case .interactive: return ["-i", "-c", probe]
        case .loginInteractive: return ["-l", "-i", "-c", probe]
        case .command: return ["-c", probe]
        case .script: return [scriptPath]
        }
    }
}

/// What one shell start showed.
struct ShellObservation {
    var goVersion: String?
    var gorootUnset: Bool
    var firstPathEntry: String?

    init(_ output: String) {
        let lines = output.split(separator: "\n").map(String.init)
        goVersion = lines.first { $0.hasPrefix("go version ") }?.split(separator: " ").dropFirst(2).first.map(String.init)
        gorootUnset = lines.contains("GOROOT=<unset>")
        firstPathEntry = lines.first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }?
            .split(separator: ":").first.map(String.init)
    }
}

@Suite("Real shells after gover init: go is the right one in every mode")
struct ShellTests {
    /// Sets up a sandbox with go1.22.5 current, an older fake go first on the inherited
    /// PATH and GOROOT pointing elsewhere, runs `gover init` for `shell`, and returns the
    /// environment a shell starts with (as `env -i` would give it).
    private func prepare(_ shell: RealShell) throws -> (Sandbox, [String: String]) {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.22.5").status == 0)
        let fake = try sandbox.makeFakeGo()
        var environment = [
            "HOME": sandbox.home,
            "PATH": fake + ":/usr/local/bin:/usr/bin:/bin",
            "TERM": "dumb",
            "LANG": "C.UTF-8",
            "GOROOT": "/usr/local/go",
        ]
        switch shell {
        case .bash, .dash:
            // Debian's defaults: ~/.profile sources ~/.bashrc, which returns at once when
            // the shell is not interactive.
            for name in [".profile", ".bashrc"] where FileManager.default.fileExists(atPath: "/etc/skel/" + name) {
                try FileManager.default.copyItem(atPath: "/etc/skel/" + name, toPath: sandbox.home + "/" + name)
            }
        case .zsh:
            environment["ZDOTDIR"] = sandbox.directory + "/zdotdir"
            try FileManager.default.createDirectory(atPath: environment["ZDOTDIR"]!, withIntermediateDirectories: true)
        case .fish:
            break
        }
        let initEnvironment = environment.filter { $0.key == "ZDOTDIR" }
        let result = try sandbox.gover("init", "--shell", shell.goverName, env: initEnvironment)
        try #require(result.status == 0, "\(result)")
        return (sandbox, environment)
    }

    /// The documented remedy for a mode that reads no start-up file by design, if any.
    private func remedy(_ shell: RealShell, _ mode: ShellMode, sandbox: Sandbox,
                        environment: inout [String: String], probe: inout String) throws -> String? {
        switch (shell, mode) {
        case (.bash, .command), (.bash, .script):
            let file = sandbox.home + "/.gover.bash"
            let env = try sandbox.gover("env", "--shell", "bash")
            try env.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            environment["BASH_ENV"] = file
            return "BASH_ENV"
        case (.dash, .interactive):
            environment["ENV"] = sandbox.home + "/.profile"
            return "ENV=~/.profile"
        case (.dash, .command), (.dash, .script):
            environment["GOVER_ROOT"] = sandbox.root
            probe = "eval \"$(\(goverBinary) env --shell sh)\"; " + probe
            return "eval \"$(gover env)\""
        default:
            return nil
        }
    }

    @Test("go version is gover's current in login, interactive, login+interactive, -c and script modes",
          arguments: RealShell.allCases)
    func modes(shell: RealShell) throws {
        guard FileManager.default.isExecutableFile(atPath: shell.executable) else {
            Issue.record("\(shell.executable) is not installed (scripts/setup installs it)")
            return
        }
        let (sandbox, baseEnvironment) = try prepare(shell)
        let expectedFirst = sandbox.root + "/current/bin"
        var row: [String] = []
        for mode in ShellMode.allCases {
            let scriptPath = sandbox.directory + "/probe-script"
            var environment = baseEnvironment
            var probe = shell.probe
            let raw = try observe(shell, mode, probe: probe, scriptPath: scriptPath, environment: environment)
            guard let remedyName = try remedy(shell, mode, sandbox: sandbox, environment: &environment, probe: &probe) else {
                #expect(raw.goVersion == "go1.22.5", "\(shell) \(mode.rawValue): go version \(raw.goVersion ?? "missing")")
                #expect(raw.gorootUnset, "\(shell) \(mode.rawValue): GOROOT still set")
                #expect(raw.firstPathEntry == expectedFirst, "\(shell) \(mode.rawValue): PATH starts with \(raw.firstPathEntry ?? "nothing")")
                row.append(raw.goVersion == "go1.22.5" && raw.gorootUnset ? "✓ \(raw.goVersion!)" : "✗ \(raw.goVersion ?? "no go")")
                continue
            }
            // By design this mode reads no start-up file: the inherited PATH (the old go) wins.
            #expect(raw.goVersion == "go1.19.8", "\(shell) \(mode.rawValue) without remedy: \(raw.goVersion ?? "no go")")
            let fixed = try observe(shell, mode, probe: probe, scriptPath: scriptPath, environment: environment)
            #expect(fixed.goVersion == "go1.22.5", "\(shell) \(mode.rawValue) with \(remedyName): \(fixed.goVersion ?? "no go")")
            #expect(fixed.gorootUnset, "\(shell) \(mode.rawValue) with \(remedyName): GOROOT still set")
            #expect(fixed.firstPathEntry == expectedFirst)
            row.append("no rc (\(raw.goVersion ?? "no go")) → ✓ \(fixed.goVersion ?? "?") with \(remedyName)")
        }
        let line = "| \(shell.rawValue) | " + row.joined(separator: " | ") + " |"
        print("shell-matrix " + line)
        recordMatrixRow(shell, line)
    }

    private func observe(_ shell: RealShell, _ mode: ShellMode, probe: String, scriptPath: String,
                         environment: [String: String]) throws -> ShellObservation {
        try probe.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let result = try runProgram(shell.executable, mode.arguments(probe: probe, scriptPath: scriptPath), environment: environment, timeout: 30)
        return ShellObservation(result.stdout)
    }

    /// Keeps the shell × mode table in .build/shell-matrix.md, for the report.
    private func recordMatrixRow(_ shell: RealShell, _ line: String) {
        let path = packageRoot.appendingPathComponent(".build/shell-matrix-\(shell.rawValue).md").path
        try? (line + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    // MARK: gover env

    @Test("evaluating gover env twice does not grow PATH, puts current/bin first and removes GOROOT",
          arguments: RealShell.allCases)
    func envIsIdempotent(shell: RealShell) throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.22.5").status == 0)
        let name = shell.goverName
        let script = shell == .fish
            ? "\(goverBinary) env --shell fish | source; \(goverBinary) env --shell fish | source; go version; echo PATH=(string join : $PATH); set -q GOROOT; and echo GOROOT=$GOROOT; or echo 'GOROOT=<unset>'"
            : "eval \"$(\(goverBinary) env --shell \(name))\"; eval \"$(\(goverBinary) env --shell \(name))\"; go version; echo \"PATH=$PATH\"; echo \"GOROOT=${GOROOT:-<unset>}\""
        let fake = try sandbox.makeFakeGo()
        let result = try runProgram(shell.executable, ["-c", script], environment: [
            "HOME": sandbox.home, "GOVER_ROOT": sandbox.root, "GOROOT": "/usr/local/go",
            "PATH": "/usr/bin:" + fake + ":" + sandbox.root + "/current/bin:/bin",
        ], timeout: 30)
        let observed = ShellObservation(result.stdout)
        #expect(observed.goVersion == "go1.22.5", "\(result)")
        #expect(observed.gorootUnset, "\(result)")
        let path = result.stdout.split(separator: "\n").first { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? ""
        #expect(path == "\(sandbox.root)/current/bin:\(sandbox.root)/bin:\(sandbox.home)/go/bin:/usr/bin:\(fake):/bin", "\(result)")
    }

    @Test("without --shell, gover env speaks the language of the shell that runs it")
    func envDetectsParentShell() throws {
        let sandbox = try Sandbox()
        let environment = ["HOME": sandbox.home, "GOVER_ROOT": sandbox.root, "PATH": "/usr/bin:/bin", "SHELL": "/usr/bin/zsh"]
        let fromFish = try runProgram(RealShell.fish.executable, ["-c", "\(goverBinary) env"], environment: environment, timeout: 30)
        #expect(fromFish.stdout.contains("set -gx PATH"), "\(fromFish)")
        let fromBash = try runProgram(RealShell.bash.executable, ["-c", "\(goverBinary) env; true"], environment: environment, timeout: 30)
        #expect(fromBash.stdout.contains("export PATH"), "\(fromBash)")
        // Not run from a shell (here: from the test runner): $SHELL decides.
        let direct = try sandbox.gover("env", env: ["SHELL": "/usr/bin/fish"])
        #expect(direct.stdout.contains("set -gx PATH"), "\(direct)")
        let unknown = try sandbox.gover("env", env: ["SHELL": "/usr/bin/tcsh"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--shell"))
    }

    // MARK: gover init

    @Test("init twice changes nothing the second time; --remove restores every file byte for byte")
    func initIdempotentAndRemovable() throws {
        let sandbox = try Sandbox()
        let home = sandbox.home
        for name in [".profile", ".bashrc"] {
            try "# \(name) of the user\nexport EDITOR=vi\n".write(toFile: home + "/" + name, atomically: true, encoding: .utf8)
        }
        // One without a final newline: it must come back exactly so too.
        try "alias ll='ls -l'".write(toFile: home + "/.bashrc", atomically: true, encoding: .utf8)
        let originals = [".profile", ".bashrc"].map { sandbox.bytes(home + "/" + $0) }

        let first = try sandbox.gover("init", "--shell", "bash")
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.contains("~/.profile (login bash): added the block"), "\(first)")
        #expect(first.stdout.contains("~/.bashrc (interactive bash): added the block"), "\(first)")
        #expect(first.stdout.contains("BASH_ENV"), "init explains non-interactive bash")
        #expect(sandbox.bytes(home + "/.profile.gover-backup") == originals[0])
        #expect(sandbox.bytes(home + "/.bashrc.gover-backup") == originals[1])
        let afterFirst = [".profile", ".bashrc"].map { sandbox.bytes(home + "/" + $0) }
        #expect(sandbox.read(home + "/.bashrc")?.components(separatedBy: "# >>> gover >>>").count == 2)

        let second = try sandbox.gover("init", "--shell", "bash")
        #expect(second.status == 0)
        #expect(second.stdout.components(separatedBy: "the block is there: unchanged").count == 3, "\(second)")
        #expect([".profile", ".bashrc"].map { sandbox.bytes(home + "/" + $0) } == afterFirst)
        // Never created: it would stop bash from reading ~/.profile.
        #expect(!FileManager.default.fileExists(atPath: home + "/.bash_profile"))
        #expect(!FileManager.default.fileExists(atPath: home + "/.bash_login"))

        let printed = try sandbox.gover("init", "--shell", "bash", "--remove", "--print")
        #expect(printed.stdout.contains("would remove the block"))
        #expect([".profile", ".bashrc"].map { sandbox.bytes(home + "/" + $0) } == afterFirst)

        let removed = try sandbox.gover("init", "--shell", "bash", "--remove")
        #expect(removed.status == 0, "\(removed)")
        #expect([".profile", ".bashrc"].map { sandbox.bytes(home + "/" + $0) } == originals)
    }

    @Test("bash: the login file is the one bash reads; ~/.profile is created only when there is none")
    func bashLoginFile() throws {
        let sandbox = try Sandbox()
        let home = sandbox.home
        try "# mine\n".write(toFile: home + "/.bash_profile", atomically: true, encoding: .utf8)
        #expect(try sandbox.gover("init", "--shell", "bash").status == 0)
        #expect(sandbox.read(home + "/.bash_profile")?.contains("# >>> gover >>>") == true)
        #expect(!FileManager.default.fileExists(atPath: home + "/.profile"))

        let empty = try Sandbox()
        let result = try empty.gover("init", "--shell", "bash")
        #expect(result.stdout.contains("~/.profile (login bash): created"), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: empty.home + "/.bash_profile"))
    }

    @Test("a symlinked rc file is edited at its target; the symlink stays")
    func symlinkedRcFile() throws {
        let sandbox = try Sandbox()
        let dotfiles = sandbox.directory + "/dotfiles"
        try FileManager.default.createDirectory(atPath: dotfiles, withIntermediateDirectories: true)
        try "export A=1\n".write(toFile: dotfiles + "/bashrc", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: sandbox.home + "/.bashrc", withDestinationPath: "../dotfiles/bashrc")
        try "export B=1\n".write(toFile: sandbox.home + "/.profile", atomically: true, encoding: .utf8)

        let result = try sandbox.gover("init", "--shell", "bash")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("~/.bashrc -> \(dotfiles)/bashrc"), "\(result)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: sandbox.home + "/.bashrc") == "../dotfiles/bashrc")
        #expect(sandbox.read(dotfiles + "/bashrc")?.contains("# >>> gover >>>") == true)
        #expect(sandbox.read(dotfiles + "/bashrc.gover-backup") == "export A=1\n")

        #expect(try sandbox.gover("init", "--shell", "bash", "--remove").status == 0)
        #expect(sandbox.read(dotfiles + "/bashrc") == "export A=1\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: sandbox.home + "/.bashrc") == "../dotfiles/bashrc")
    }

    @Test("a read-only rc file stops init before anything changes, and the error shows the block to add by hand")
    func readOnlyRcFile() throws {
        let sandbox = try Sandbox()
        try "export A=1\n".write(toFile: sandbox.home + "/.profile", atomically: true, encoding: .utf8)
        try "export B=1\n".write(toFile: sandbox.home + "/.bashrc", atomically: true, encoding: .utf8)
        chmod(sandbox.home + "/.bashrc", 0o444)
        let result = try sandbox.gover("init", "--shell", "bash")
        #expect(result.status == 7, "\(result)")
        #expect(result.stderr.contains("\(sandbox.home)/.bashrc is read-only"))
        #expect(result.stderr.contains("# >>> gover >>>") && result.stderr.contains("# <<< gover <<<"))
        #expect(sandbox.read(sandbox.home + "/.profile") == "export A=1\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.home + "/.profile.gover-backup"))
    }

    @Test("zsh writes into $ZDOTDIR; fish's conf.d file is removed with its block; a damaged block is refused")
    func zshFishAndDamage() throws {
        let sandbox = try Sandbox()
        let zdotdir = sandbox.directory + "/zdot"
        try FileManager.default.createDirectory(atPath: zdotdir, withIntermediateDirectories: true)
        #expect(try sandbox.gover("init", "--shell", "zsh", env: ["ZDOTDIR": zdotdir]).status == 0)
        #expect(sandbox.read(zdotdir + "/.zshenv")?.contains("# >>> gover >>>") == true)
        #expect(sandbox.read(zdotdir + "/.zshrc")?.contains("# >>> gover >>>") == true)
        #expect(!FileManager.default.fileExists(atPath: sandbox.home + "/.zshrc"))

        let fishFile = sandbox.home + "/.config/fish/conf.d/gover.fish"
        #expect(try sandbox.gover("init", "--shell", "fish").status == 0)
        #expect(sandbox.read(fishFile)?.contains("set -gx PATH") == true)
        #expect(try sandbox.gover("init", "--shell", "fish", "--remove").status == 0)
        #expect(!FileManager.default.fileExists(atPath: fishFile))
        #expect(try FileManager.default.contentsOfDirectory(atPath: sandbox.home + "/.config/fish/conf.d").isEmpty)

        try "x\n# >>> gover >>>\nexport PATH=/oops\n".write(toFile: sandbox.home + "/.profile", atomically: true, encoding: .utf8)
        let damaged = try sandbox.gover("init", "--shell", "sh")
        #expect(damaged.status == 1)
        #expect(damaged.stderr.contains("without a matching `# <<< gover <<<`"), "\(damaged)")
    }
}
