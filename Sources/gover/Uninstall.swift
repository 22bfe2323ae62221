import ArgumentParser
import GoverCore

struct Uninstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove an installed Go version.",
        discussion: """
        The version disappears from the store atomically (it is renamed away first), even \
        when its files are read-only. The active version is kept unless --force.
        """
    )

    @Argument(help: ArgumentHelp("Installed version to remove: 1.22.5, 1.21 (highest installed 1.21.x), ...", valueName: "selector"))
    var selector: String

    @Flag(help: "Remove even the active version (leaves no active version).")
    var force = false

    @Option(help: ArgumentHelp("Remove the tree installed for this operating system (install --os).", valueName: "goos"))
    var os: String?

    @Option(help: ArgumentHelp("Remove the tree installed for this architecture (install --arch).", valueName: "goarch"))
    var arch: String?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        _ = try parseSelector(selector)
        try validatePlatformOptions(os: os, arch: arch)
    }

    func run() throws {
        let context = try options.checkedContext(os: os, arch: arch)
        let store = context.store
        InterruptMonitor.shared.start()
        let lock = try context.lockStore()
        try withExtendedLifetime(lock) {
            let installed = store.installedVersions()
            guard let version = try parseSelector(selector).resolve(in: installed) else {
                throw GoverError.notInstalled(selector: selector, installed: installed.map(\.number))
            }
            // A tree for another platform (go1.22.5.darwin-arm64) is never the active one.
            let isCurrent = store.isNative && store.currentVersion() == version
            if isCurrent && !force { throw GoverError.activeVersion(version.name) }
            try store.remove(version)
            if isCurrent { store.deactivate() }
            context.reporter.info("Removed \(store.directoryName(of: version))" + (isCurrent ? "; no version is active now" : ""))
        }
    }
}
