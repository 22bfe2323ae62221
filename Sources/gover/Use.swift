import ArgumentParser
import GoverCore

struct Use: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "use",
        abstract: "Switch the active Go version (the store's `current` symlink).",
        discussion: """
        The selector is resolved against installed versions: `1.21` means the highest \
        installed 1.21.x. The switch is atomic: there is no moment without a `current`.

        Examples:
          $ gover use 1.22.5
          $ gover use 1.21
          $ gover use --install 1.23
          $ gover use                   # the version .go-version/go.mod/... asks for
        """
    )

    @Argument(help: ArgumentHelp("Version to activate: 1.22.5, 1.22, latest, ... (default: the project's pin file).", valueName: "selector"))
    var selector: String?

    @Flag(help: "Install the version first if it is not installed.")
    var install = false

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if let selector { _ = try parseSelector(selector) }
    }

    func run() throws {
        let context = try options.checkedContext()
        let selector = try self.selector ?? pinnedSelector(context, mayLoadIndex: install)
        let parsed = try parseSelector(selector)
        let installed = context.store.installedVersions()
        if let version = parsed.resolve(in: installed) {
            try switchCurrent(to: version, context: context)
            return
        }
        guard install else {
            throw GoverError.notInstalled(selector: selector, installed: installed.map(\.number))
        }
        InterruptMonitor.shared.start()
        let installer = Installer(context: context)
        let plan = try context.indexProvider.withIndex { try installer.plan(selector: selector, index: $0) }
        _ = try installer.install(plan)
        try switchCurrent(to: plan.version, context: context)
    }
}
