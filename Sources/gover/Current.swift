import ArgumentParser
import GoverCore

struct Current: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "current",
        abstract: "Print the Go version this shell runs (exit 3 when none is active).",
        discussion: "Who decides: a session version (`gover shell`) > the directory's pin (with `gover init --auto`) > `current` (`gover use`)."
    )

    @Flag(name: .shortAndLong, help: "Also say what chose it, and what the project's pin file asks for.")
    var verbose = false

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let store = try options.checkedContext().store
        let (version, chooser) = try activeInThisShell(store)
        writeAll(version.name + "\n", to: 1)
        if verbose { writeAll(currentDetails(version, chooser: chooser, store: store), to: 1) }
    }

    /// What chose the version in this shell, and what the project's pin file asks for.
    private func currentDetails(_ version: GoVersion, chooser: ShellSession.Chooser, store: Store) -> String {
        var text: String
        switch chooser {
        case .session:
            text = "  chosen by: this shell's session (`gover shell`; `gover shell --unset` ends it)\n"
        case .directoryPin(let pin):
            text = "  chosen by: the directory's pin \(pin) (`gover init --auto`)\n"
        case .current:
            text = "  chosen by: \(store.currentLink) -> \(version.name) (set by `gover use`/`gover install --use`)\n"
        }
        if chooser != .current, let global = store.currentVersion() {
            text += "  current: \(global.name) (new shells, IDEs and CI use it)\n"
        }
        do {
            if let pin = try ProjectPin.discover(from: currentDirectory()) {
                let verdict = pin.requirement.isSatisfied(by: version)
                    ? "satisfied by \(version.name)"
                    : "not \(version.name): run `gover use` to switch"
                text += "  project pin: \(pin.path):\(pin.line) asks for \(pin.requirement), \(verdict)\n"
            } else {
                text += "  project pin: none (no .go-version, go.work, go.mod or .tool-versions here or above)\n"
            }
        } catch let error as GoverError {
            text += "  project pin: unreadable: \(error.message)\n"
        } catch {
            text += "  project pin: unreadable: \(error)\n"
        }
        return text
    }
}
