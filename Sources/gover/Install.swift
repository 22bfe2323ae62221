import ArgumentParser
import GoverCore

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Download, verify and install Go versions.",
        discussion: """
        The archive is streamed once: hashed with SHA256 and unpacked into a private staging \
        directory while it downloads. It becomes visible in the store only after its size and \
        SHA256 match the release index. Installing an installed version does nothing (exit 0).
        With GOVER_MIRROR=goproxy the toolchain comes from GOPROXY as the module \
        golang.org/toolchain and is installed only when the h1: hash of what was unpacked \
        equals the Go checksum database's (GOSUMDB); --verify-sumdb checks go.dev archives \
        against that database too.
        The first version installed into an empty store becomes the active one.

        Examples:
          $ gover install 1.22.5
          $ gover install 1.21 1.22 --use
          $ gover install --dry-run latest
          $ gover install 1.22 --verify-sumdb
          $ GOVER_MIRROR=goproxy GOPROXY=https://goproxy.cn gover install 1.22
          $ gover install --file go1.22.5.linux-amd64.tar.gz
          $ gover install 1.22.5 --file ./go.tgz --sha256 <64 hex digits>
          $ gover install               # the version .go-version/go.mod/... asks for
        """
    )

    @Argument(help: ArgumentHelp("Versions: 1.22.5, go1.22.5, 1.22 (newest 1.22.x), 1.23rc1, latest (default: the project's pin file).", valueName: "selector"))
    var selectors: [String] = []

    @Flag(help: "Make the (last) installed version the active one.")
    var use = false

    @Flag(help: "Reinstall even if already installed.")
    var force = false

    @Flag(help: "Print what would be downloaded (version, URL, size, SHA256) and change nothing.")
    var dryRun = false

    @Flag(help: "Keep the downloaded archive in the store's cache/archives.")
    var keepArchive = false

    @Option(help: ArgumentHelp("Install from a local .tar.gz instead of downloading.", valueName: "path"))
    var file: String?

    @Option(help: ArgumentHelp("Expected SHA256 of the archive (required when the index does not know it).", valueName: "hex"))
    var sha256: String?

    @Option(help: ArgumentHelp("Target operating system, as Go names it (default: this machine's).", valueName: "goos"))
    var os: String?

    @Option(help: ArgumentHelp("Target architecture, as Go names it: amd64, arm64, 386, armv6l, ...", valueName: "goarch"))
    var arch: String?

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        try validatePlatformOptions(os: os, arch: arch)
        if use, os ?? Platform.current.os != Platform.current.os || arch ?? Platform.current.arch != Platform.current.arch {
            throw ValidationError("--use activates a version for this machine; a tree for another platform is installed under its own name (e.g. go1.22.5.darwin-arm64) and never activated")
        }
        if file != nil && selectors.count > 1 {
            throw ValidationError("--file installs one archive; give at most one version with it")
        }
        for selector in selectors { _ = try parseSelector(selector) }
    }

    func run() throws {
        let context = try options.checkedContext(os: os, arch: arch)
        if !dryRun { InterruptMonitor.shared.start() }
        let installer = Installer(context: context)
        let libraries = dryRun ? nil : installer.loadLibrariesInBackground()
        defer { libraries?.wait() }
        let selectors = self.selectors.isEmpty && file == nil ? [try pinnedSelector(context, mayLoadIndex: true)] : self.selectors
        let plans = try makePlans(installer, selectors: selectors)

        if dryRun {
            for plan in plans {
                if !force && context.store.isInstalled(plan.version) {
                    print("\(plan.version.name) is already installed (\(context.store.path(of: plan.version))); nothing to download")
                    continue
                }
                var lines = ["\(plan.version.name)", "  url:    \(terminalSafe(plan.url))"]
                lines += plan.urls.dropFirst().map { "  then:   \(terminalSafe($0))" }
                lines += ["  size:   \(plan.size.map { "\($0) bytes" } ?? "unknown")"]
                switch plan.artifact {
                case .releaseArchive(let sha256): lines.append("  sha256: \(sha256)")
                case .toolchainModule(let version):
                    lines.append("  module: \(ToolchainModule.path)@\(version), verified by the checksum database before it is installed")
                }
                print(lines.joined(separator: "\n"))
            }
            return
        }

        var last: GoVersion?
        for plan in plans {
            let started = monotonicSeconds()
            switch try installer.install(plan, force: force, keepArchive: keepArchive) {
            case .installed(let version):
                let seconds = formatDecimal(monotonicSeconds() - started, digits: 1)
                context.reporter.info("Installed \(version.name) in \(context.store.path(of: version)) (\(seconds)s)")
            case .alreadyInstalled(let version):
                context.reporter.info("\(version.name) is already installed")
            }
            last = plan.version
        }
        // A toolchain for another platform (--os/--arch: preparing a store to copy) cannot
        // run here: it never becomes the active one by itself.
        let native = context.platform == Platform.current
        if !native {
            context.reporter.warning("installed for \(terminalSafe(context.platform.description)), which cannot run on this machine (\(Platform.current)), as \(plans.map { context.store.directoryName(of: $0.version) }.joined(separator: ", ")); `gover use` never activates it")
        }
        if let last, use || (native && context.store.currentVersion() == nil) {
            try switchCurrent(to: last, context: context)
        }
    }

    private func makePlans(_ installer: Installer, selectors: [String]) throws -> [InstallPlan] {
        let context = installer.context
        if let file {
            // The index is the authority on digests when it lists the file; without it
            // (offline, unreachable) --sha256 decides.
            let index: ReleaseIndex? = sha256 == nil ? try context.indexProvider.load() : try? context.indexProvider.load()
            return [try installer.plan(localFile: file, selector: selectors.first, index: index, sha256: sha256)]
        }
        // An exact version that is installed needs no index at all.
        var pending: [String] = []
        for text in selectors {
            if !force, !dryRun, case .exact(let version) = try parseSelector(text), context.store.isInstalled(version) {
                context.reporter.info("\(version.name) is already installed")
                if use { try switchCurrent(to: version, context: context) }
            } else {
                pending.append(text)
            }
        }
        if pending.isEmpty { return [] }
        return try context.indexProvider.withIndex { index in
            try pending.map { try installer.plan(selector: $0, index: index, sha256: sha256) }
        }
    }
}

/// Points `current` at a version under the store lock, and tells the user.
func switchCurrent(to version: GoVersion, context: GoverContext) throws {
    let store = context.store
    let lock = try context.lockStore()
    try withExtendedLifetime(lock) {
        // Another process may have uninstalled it since it was resolved.
        guard store.isInstalled(version) else {
            throw GoverError.notInstalled(selector: version.number, installed: store.installedVersions().map(\.number))
        }
        try store.activate(version)
    }
    context.reporter.info("Now using \(version.name) (\(store.currentLink)/bin/go)")
    let binDirectory = store.currentLink + "/bin"
    let path = currentEnvironment()["PATH"] ?? ""
    if !path.split(separator: ":").contains(Substring(binDirectory)) {
        context.reporter.info("Add it to PATH: export PATH=\"\(binDirectory):$PATH\"")
    }
}
