import ArgumentParser
import GoverCore

struct Which: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "which",
        abstract: "Print the absolute path of the go (or gofmt) this shell runs.",
        discussion: "A session version (`gover shell`) or a directory pin (`gover init --auto`) in this shell comes before `current`; `gover current --verbose` says which chose it."
    )

    @Argument(help: ArgumentHelp("The tool: go or gofmt.", valueName: "tool"))
    var tool = "go"

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        guard tool == "go" || tool == "gofmt" else {
            throw ValidationError("gover knows `go` and `gofmt`; got '\(tool)'")
        }
    }

    func run() throws {
        let store = try options.checkedContext().store
        let version = try activeInThisShell(store).version
        writeAll(store.goBinary(of: version, tool: tool) + "\n", to: 1)
    }
}
