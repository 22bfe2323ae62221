import ArgumentParser
import GoverCore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Put gover's Go on PATH in the start-up files your shell reads.",
        discussion: """
        Writes a marked block (# >>> gover >>> ... # <<< gover <<<) into the files the shell \
        reads in login and in interactive mode:
          bash  ~/.bashrc, and the login file bash reads: the first of
                ~/.bash_profile, ~/.bash_login, ~/.profile (created if none)
          zsh   $ZDOTDIR/.zshenv (every zsh) and .zshrc (after /etc/zprofile),
                on macOS .zprofile too
          fish  ~/.config/fish/conf.d/gover.fish
          sh    ~/.profile (and $ENV when set)
        Running it again changes nothing; the previous contents of each changed file are kept \
        in <file>.gover-backup; a symlinked file is edited at its target. The block runs only \
        shell built-ins: no gover process at shell start-up.

        Examples:
          $ gover init --print          # show what would change
          $ gover init                  # for the shell you run it from
          $ gover init --shell zsh
          $ gover init --remove
        """
    )

    @Option(help: ArgumentHelp("bash, zsh, fish or sh (default: the shell gover runs from, else $SHELL).", valueName: "shell"))
    var shell: Shell?

    @Flag(name: .customLong("print"), help: "Show the files and the block; change nothing.")
    var printOnly = false

    @Flag(help: "Take the gover block out of the files again.")
    var remove = false

    @Flag(help: "Also switch Go by directory (bash, zsh, fish): after each cd, the project's pin decides this shell's Go.")
    var auto = false

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let environment = currentEnvironment()
        let shell = try self.shell ?? Shell.detect(environment: environment)
        let context = options.context()
        let home = GoverContext.homeDirectory(environment: environment)
        if auto && shell == .sh {
            throw ValidationError("--auto needs a shell with a prompt or directory hook (bash, zsh, fish); sh/dash have none")
        }
        var script = EnvScript(storeRoot: context.store.root, environment: environment)
        script.auto = auto
        let block = ManagedBlock.forShell(shell, script: script)
        let files = StartupFiles.targets(for: shell, home: home, environment: environment, os: context.platform.os)
        let changes = try StartupFileEditor.plan(files, block: block, remove: remove)
        if !printOnly { try StartupFileEditor.apply(changes) }

        func shown(_ path: String) -> String {
            path == home || path.hasPrefix(home + "/") ? "~" + path.dropFirst(home.count) : path
        }
        var output = (printOnly ? "gover init --print (nothing is changed)" : "gover init") + " for \(shell.rawValue), store \(context.store.root):\n"
        for change in changes {
            let name = shown(change.file.path) + (change.isSymlinked ? " -> " + shown(change.realPath) : "")
            let verb: String
            switch change.action {
            case .create: verb = printOnly ? "would create it with the block" : "created, with the block"
            case .append: verb = printOnly ? "would add the block at the end" : "added the block at the end"
            case .update: verb = printOnly ? "would update the block" : "updated the block"
            case .remove: verb = printOnly ? "would remove the block" : "removed the block"
            case .unchanged: verb = remove ? "no gover block: unchanged" : "the block is there: unchanged"
            case .absent: verb = "does not exist: unchanged"
            }
            var line = "  \(name) (\(change.file.readBy)): \(verb)"
            if change.changesSomething && change.action != .create && !change.file.ownedByGover {
                line += printOnly ? "" : "; backup: \(shown(change.backupPath))"
            }
            output += line + "\n"
        }
        if remove {
            output += "New shells no longer get gover's Go from these files.\n"
        } else {
            output += "\nThe block:\n" + block.split(separator: "\n").map { "  | " + $0 }.joined(separator: "\n") + "\n"
            output += "\nOpen a new shell, or now: \(shell.evalCommand)\n"
            output += "\nNot covered by start-up files:\n"
            output += StartupFiles.nonInteractiveAdvice(for: shell, storeRoot: context.store.root, home: home).map { "  " + $0 }.joined(separator: "\n") + "\n"
            output += "Check everything with `gover doctor`.\n"
        }
        writeAll(output, to: 1)
    }
}
