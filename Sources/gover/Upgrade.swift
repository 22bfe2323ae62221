import ArgumentParser
import GoverCore

struct Upgrade: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Install the newest patch of each installed minor line (or of the lines given).",
        discussion: """
        Go ships security fixes as patch releases. For each installed minor line (or each line \
        given), the newest stable patch from the release index is installed; when `current` is \
        on an upgraded line it moves to the new patch (the same atomic switch as `gover use`). \
        --prune then removes the superseded patches of those lines (never the active version \
        or one the project here pins). The store lock is taken once; a failure part-way leaves \
        every version that was working, working. Exit 0 when everything is current.

        Examples:
          $ gover upgrade                 # every installed line
          $ gover upgrade 1.22 --prune    # go1.22.x only, then remove older 1.22 patches
          $ gover list --outdated         # what an upgrade would change (cached index only)
        """
    )

    @Argument(help: ArgumentHelp("Minor lines to upgrade: 1.22, go1.21, ... (default: every installed line).", valueName: "line"))
    var lines: [String] = []

    @Flag(help: "Then remove the superseded patches of the upgraded lines.")
    var prune = false

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        for line in lines { _ = try Maintenance.Line(parsing: line) }
    }

    func run() throws {
        let context = try options.checkedContext()
        let store = context.store
        InterruptMonitor.shared.start()
        let installed = store.installedVersions()
        let wanted = try Set(lines.map(Maintenance.Line.init(parsing:)))
        for line in wanted.sorted() where !installed.contains(where: { Maintenance.Line($0) == line }) {
            throw GoverError.notInstalled(selector: line.description, installed: installed.map(\.number))
        }
        let upgradable = Set(installed.map(Maintenance.Line.init)).filter { wanted.isEmpty || wanted.contains($0) }

        let installer = Installer(context: context)
        let plans: [InstallPlan] = try context.indexProvider.withIndex { index in
            try upgradable.sorted().compactMap { line -> InstallPlan? in
                let newest = installed.filter { Maintenance.Line($0) == line }.max()!
                guard let target = Maintenance.newerPatch(of: newest, in: index) else { return nil }
                return try installer.plan(selector: target.number, index: index)
            }
        }
        let keep = protectedVersions(store)
        let prunable = prune ? Maintenance.superseded(installed: installed, keep: keep).filter { upgradable.contains(Maintenance.Line($0)) } : []
        if plans.isEmpty && prunable.isEmpty {
            context.reporter.info("Nothing to upgrade: " + upgradable.sorted().map { line in
                installed.filter { Maintenance.Line($0) == line }.max()!.name
            }.joined(separator: ", ") + " " + (upgradable.count == 1 ? "is" : "are") + " the newest patch of " + (upgradable.count == 1 ? "its line" : "their lines"))
            return
        }

        let lock = try context.lockStore()
        try withExtendedLifetime(lock) {
            let current = store.currentVersion()
            for plan in plans {
                let old = installed.filter { Maintenance.Line($0) == Maintenance.Line(plan.version) }.max()!
                _ = try installer.install(plan, holding: lock)
                context.reporter.info("Upgraded \(old.name) → \(plan.version.name)")
                if let current, Maintenance.Line(current) == Maintenance.Line(plan.version), current < plan.version {
                    try store.activate(plan.version)
                    context.reporter.info("Now using \(plan.version.name) (\(store.currentLink)/bin/go)")
                }
            }
            if prune {
                // Recomputed under the lock, with the new versions and the new `current`.
                let keep = protectedVersions(store)
                let remove = Maintenance.superseded(installed: store.installedVersions(), keep: keep)
                    .filter { upgradable.contains(Maintenance.Line($0)) }
                try Prune.remove(remove, from: store, reporter: context.reporter)
            }
        }
    }
}

/// What prune and upgrade --prune never remove: the active version and the one the project
/// in this directory pins.
func protectedVersions(_ store: Store) -> Set<GoVersion> {
    var keep = Set<GoVersion>()
    if let current = store.currentVersion() { keep.insert(current) }
    if let pin = try? ProjectPin.discover(from: currentDirectory()),
       let pinned = pin.requirement.newest(in: store.installedVersions()) {
        keep.insert(pinned)
    }
    return keep
}

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove installed versions superseded within their minor line.",
        discussion: """
        Keeps the newest patch of each minor line, the active version and any version the \
        project in this directory pins (.go-version, go.mod, ...); pre-releases are superseded \
        by the stable release of their line. Says what it removed and the space freed. The \
        store lock is taken once; each version disappears atomically.

        Examples:
          $ gover prune --dry-run
          $ gover prune
        """
    )

    @Flag(help: "Say what would be removed, change nothing.")
    var dryRun = false

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let context = try options.checkedContext()
        let store = context.store
        if dryRun {
            let remove = Maintenance.superseded(installed: store.installedVersions(), keep: protectedVersions(store))
            if remove.isEmpty { context.reporter.info("Nothing to prune: each minor line has one version"); return }
            let bytes = remove.reduce(Int64(0)) { $0 + store.diskUsage(of: $1) }
            writeAll(remove.map { "would remove \($0.name)\n" }.joined(), to: 1)
            context.reporter.info("\(remove.count) version\(remove.count == 1 ? "" : "s"), \(formatBytes(bytes)) would be freed")
            return
        }
        InterruptMonitor.shared.start()
        let lock = try context.lockStore()
        try withExtendedLifetime(lock) {
            let remove = Maintenance.superseded(installed: store.installedVersions(), keep: protectedVersions(store))
            if remove.isEmpty { context.reporter.info("Nothing to prune: each minor line has one version"); return }
            try Self.remove(remove, from: store, reporter: context.reporter)
        }
    }

    /// Removes each version (atomically, one at a time: a failure leaves the rest working),
    /// saying what went and the space freed. The caller holds the store lock.
    static func remove(_ versions: [GoVersion], from store: Store, reporter: Reporter) throws {
        var freed: Int64 = 0
        for version in versions {
            let bytes = store.diskUsage(of: version)
            try store.remove(version)
            freed += bytes
            reporter.info("Removed \(version.name) (\(formatBytes(bytes)))")
        }
        if !versions.isEmpty {
            reporter.info("Pruned \(versions.count) version\(versions.count == 1 ? "" : "s"): \(formatBytes(freed)) freed")
        }
    }
}
