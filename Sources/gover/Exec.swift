import ArgumentParser
import GoverCore

struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command with another installed Go first on PATH.",
        discussion: """
        gover is replaced by the command (execvp): its exit status is the command's, and \
        nothing global changes. The version's bin goes first on PATH and GOROOT is removed \
        from the command's environment (go finds its root from its own path).

        Examples:
          $ gover exec 1.21 -- go test ./...
          $ gover exec go1.22.5 -- make build
        """
    )

    @Argument(help: ArgumentHelp("Installed version: 1.22.5, 1.21 (highest installed 1.21.x), ...", valueName: "selector"))
    var selector: String

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after `--`.", valueName: "command"))
    var command: [String] = []

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        _ = try parseSelector(selector)
        if command.isEmpty { throw ValidationError("name the command after `--`, e.g. `gover exec \(selector) -- go version`") }
    }

    func run() throws {
        let store = try options.checkedContext().store
        let installed = store.installedVersions()
        guard let version = try parseSelector(selector).resolve(in: installed) else {
            throw GoverError.notInstalled(selector: selector, installed: installed.map(\.number))
        }
        try replaceProcess(with: command, prependingToPath: store.path(of: version) + "/bin", unset: ["GOROOT"])
    }
}
