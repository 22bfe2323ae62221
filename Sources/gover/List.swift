import ArgumentParser
import GoverCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List installed versions, or those available to install.",
        discussion: """
        One version per line, so scripts can grep; `*` marks the active one. An installed \
        version with a newer patch in its minor line says so, `go1.22.5  (go1.22.12 \
        available)`, from the cached release index only (a plain `list` never uses the \
        network; `gover list --remote` or `gover upgrade` refreshes it). --outdated lists just \
        those (`gover upgrade` installs the newer patches). \
        --remote shows the newest patch of each minor line (and pre-releases newer than the \
        newest stable); --all shows every release.
        """
    )

    @Flag(help: "List versions available from the release index.")
    var remote = false

    @Flag(help: "With --remote: every release, not one per minor line.")
    var all = false

    @Flag(help: "Only installed versions with a newer patch in their minor line (from the cached index).")
    var outdated = false

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var options: GlobalOptions

    struct Entry: Encodable {
        var version: String
        var stable: Bool
        var installed: Bool
        var current: Bool
        /// The newest patch of this installed version's line, when newer (else null).
        var newer: String?

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(stable, forKey: .stable)
            try container.encode(installed, forKey: .installed)
            try container.encode(current, forKey: .current)
            try container.encode(newer, forKey: .newer)
        }

        enum CodingKeys: String, CodingKey { case version, stable, installed, current, newer }
    }

    func validate() throws {
        if outdated && remote { throw ValidationError("--outdated lists installed versions; it takes no --remote") }
    }

    func run() throws {
        let context = try options.checkedContext()
        let store = context.store
        let installed = Set(store.installedVersions())
        let current = store.currentVersion()
        var entries: [Entry]
        if remote {
            let provider = context.indexProvider
            var index = try provider.load(versionsOnly: context.sources.moduleProxies == nil)
            let indexState = provider.origin.fromCache ? "cached" : "fetched"
            if let proxies = context.sources.moduleProxies {
                // A proxy's list mixes every platform: show what can be installed here.
                index = ReleaseIndex(releases: index.releases.filter { $0.toolchainModule(for: context.platform) != nil })
                context.reporter.info("Index: \(terminalSafe(provider.origin.url ?? context.sources.indexURL)) (\(indexState)); toolchain modules from: \(proxies.baseURLs.map(terminalSafe).joined(separator: ", ")), verified by the checksum database")
            } else {
                context.reporter.info("Index: \(provider.origin.url ?? context.sources.indexURL) (\(indexState)); files from: \(context.sources.fileBaseURLs.joined(separator: ", "))")
            }
            let releases = all ? index.releases : index.newestPerLine()
            entries = releases.map {
                Entry(version: $0.version.name, stable: $0.version.isStable,
                      installed: installed.contains($0.version), current: $0.version == current, newer: nil)
            }
        } else {
            // The cached index only (its release lines: versions are all `newer` needs): a
            // plain `list` runs in prompts and scripts, offline.
            var provider = context.indexProvider
            provider.offline = true
            let index = try? provider.load(versionsOnly: true)
            entries = installed.sorted(by: >).map { version in
                Entry(version: version.name, stable: version.isStable, installed: true, current: version == current,
                      newer: index.flatMap { Maintenance.newerPatch(of: version, in: $0) }?.name)
            }
            if outdated { entries = entries.filter { $0.newer != nil } }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        if !remote && entries.isEmpty {
            context.reporter.info(outdated ? "Every installed version is the newest patch of its line (as the cached index knows)"
                                           : "No Go versions installed in \(store.root); try `gover install latest`")
            return
        }
        var output = ""
        for entry in entries {
            var line = (entry.current ? "* " : "  ") + entry.version
            if remote && entry.installed { line += entry.current ? "  (installed, current)" : "  (installed)" }
            if let newer = entry.newer { line += "  (\(newer) available)" }
            output += line + "\n"
        }
        writeAll(output, to: 1)
    }
}
