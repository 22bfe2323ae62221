import ArgumentParser
import GoverCore

struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Use another installed Go in this shell only (a session version).",
        discussion: """
        The version's bin goes first on this shell's PATH; nothing global changes, and new \
        shells still get `current`. It wins over a directory pin (`gover init --auto`) until \
        `gover shell --unset`. A program cannot change the shell it runs in: the `gover` \
        function that `gover init` and `gover env` define evaluates what this command prints. \
        Without that function, it prints the line to evaluate instead.

        Who decides which Go this shell runs: session (`gover shell`) > directory pin \
        (with `gover init --auto`) > `current` (`gover use`). `gover current --verbose` says which.

        Examples:
          $ gover shell 1.21            # highest installed 1.21.x, this shell only
          $ gover shell --unset         # back to the directory's pin, or current
          $ eval "$(gover shell --print 1.21)"   # without the gover function
        """
    )

    @Argument(help: ArgumentHelp("Installed version: 1.22.5, 1.21 (highest installed 1.21.x), ...", valueName: "selector"))
    var selector: String?

    @Flag(help: "End the session version: the directory's pin, or current, decides again.")
    var unset = false

    @Flag(name: .customLong("print"), help: "Print the shell code (for eval) instead of expecting the gover function.")
    var printOnly = false

    @Option(help: ArgumentHelp("The code's language: bash, zsh, fish or sh (default: the shell gover runs from).", valueName: "shell"))
    var shell: Shell?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if unset == (selector != nil) { throw ValidationError("give a version (`gover shell 1.21`) or --unset") }
        if let selector { _ = try parseSelector(selector) }
    }

    func run() throws {
        let environment = currentEnvironment()
        let fromFunction = environment[AutoSwitch.evalVariable].flatMap(Shell.init(rawValue:))
        let shell = try self.shell ?? fromFunction ?? Shell.detect(environment: environment)
        let context = try options.checkedContext()
        let store = context.store
        let session = ShellSession(store: store, environment: environment)
        var code = ""
        var summary: String
        if let selector {
            let installed = store.installedVersions()
            guard let version = try parseSelector(selector).resolve(in: installed) else {
                throw GoverError.notInstalled(selector: selector, installed: installed.map(\.number))
            }
            code += ShellCode.export(ShellSession.sessionVariable, version.name, for: shell)
            code += ShellCode.export("PATH", session.path(selecting: version), for: shell)
            summary = "This shell now uses \(version.name) (\(store.path(of: version))/bin/go); `gover shell --unset` ends it"
        } else {
            code += ShellCode.unset(ShellSession.sessionVariable, for: shell)
            code += try HookCommand.code(for: shell, store: store, environment: environment, ignoringSession: true)
            summary = "Session version ended: the directory's pin or current decides"
        }
        if fromFunction == nil && !printOnly {
            let line = shell == .fish ? "gover shell --print \(arguments) | source" : "eval \"$(gover shell --print \(arguments))\""
            writeAll("gover shell changes this shell's PATH, which a program cannot do by itself; the `gover` function from `gover init` (or \(shell.evalCommand)) does it. Here, run:\n", to: 2)
            writeAll(line + "\n", to: 1)
            throw ExitCode(1)
        }
        writeAll(code, to: 1)
        context.reporter.info(summary)
    }

    private var arguments: String { unset ? "--unset" : selector ?? "" }
}

/// `gover hook --shell S`: what the per-directory hook evaluates when the directory's pin
/// changed. Hidden: the hook calls it, people don't.
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Shell code for the per-directory hook (called by it, at most once per pin change).",
        shouldDisplay: false
    )

    @Option(help: ArgumentHelp("bash, zsh or fish.", valueName: "shell"))
    var shell: Shell

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let environment = currentEnvironment()
        let context = try options.checkedContext()
        writeAll(try Self.code(for: shell, store: context.store, environment: environment, ignoringSession: false,
                               autoInstall: environment["GOVER_AUTO_INSTALL"] == "1" ? context : nil), to: 1)
    }

    /// The PATH and variables for this directory. A session version wins (nothing to do)
    /// unless `ignoringSession` (it is being ended). `autoInstall`: install a pinned version
    /// that is missing, from the cached index only (a prompt must never wait on an index).
    static func code(for shell: Shell, store: Store, environment: [String: String], ignoringSession: Bool,
                     autoInstall: GoverContext? = nil) throws -> String {
        if !ignoringSession, environment[ShellSession.sessionVariable] != nil { return "" }
        let session = ShellSession(store: store, environment: environment)
        let directory = currentDirectory()
        var decision: AutoSwitch.Decision
        do {
            decision = try AutoSwitch.decide(store: store, workingDirectory: directory)
        } catch let error as GoverError {
            writeAll("gover: \(error.message)\n", to: 2)
            decision = .restore
        }
        if case .missing = decision, var context = autoInstall {
            context.offline = true
            if (try? installPin(context: context, directory: directory)) != nil {
                decision = (try? AutoSwitch.decide(store: store, workingDirectory: directory)) ?? decision
            }
        }
        switch decision {
        case .select(let version, let pin):
            return ShellCode.export("PATH", session.path(selecting: version), for: shell)
                + ShellCode.export(ShellSession.autoVariable, version.name, for: shell)
                + ShellCode.export(ShellSession.autoPinVariable, pin, for: shell)
        case .missing(let pin, let requirement):
            writeAll("gover: \(terminalSafe(pin)) asks for \(requirement), which is not installed; run `gover install` here (or set GOVER_AUTO_INSTALL=1); using current\n", to: 2)
            fallthrough
        case .restore:
            return ShellCode.export("PATH", session.pathWithoutVersionBins(), for: shell)
                + ShellCode.unset(ShellSession.autoVariable, for: shell)
                + ShellCode.unset(ShellSession.autoPinVariable, for: shell)
        }
    }

    private static func installPin(context: GoverContext, directory: String) throws {
        let selector = try pinnedSelector(context, mayLoadIndex: true)
        let installer = Installer(context: context)
        let plan = try context.indexProvider.withIndex { try installer.plan(selector: selector, index: $0) }
        InterruptMonitor.shared.start()
        _ = try installer.install(plan)
    }
}
