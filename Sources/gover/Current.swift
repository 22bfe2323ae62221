import ArgumentParser
import GoverCore

struct Current: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the active Go version (exit 3 when none is active)."
    )

    @Flag(name: .shortAndLong, help: "Also say what chose it, and what the project's pin file asks for.")
    var verbose = false

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let store = try options.checkedContext().store
        let version = try store.requireCurrentVersion()
        writeAll(version.name + "\n", to: 1)
        if verbose { writeAll(currentDetails(version, store: store), to: 1) }
    }

    /// `current` is the one switch: a pin file only says what `gover use` would pick.
    private func currentDetails(_ version: GoVersion, store: Store) -> String {
        var text = "  chosen by: \(store.currentLink) -> \(version.name) (set by `gover use`/`gover install --use`)\n"
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
