import ArgumentParser
import GoverCore

struct Which: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the absolute path of the active version's go (or gofmt)."
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
        let version = try store.requireCurrentVersion()
        writeAll(store.goBinary(of: version, tool: tool) + "\n", to: 1)
    }
}
