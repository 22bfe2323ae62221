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
        One version per line, so scripts can grep; `*` marks the active one.
        --remote shows the newest patch of each minor line (and pre-releases newer than the \
        newest stable); --all shows every release.
        """
    )

    @Flag(help: "List versions available from the release index.")
    var remote = false

    @Flag(help: "With --remote: every release, not one per minor line.")
    var all = false

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var options: GlobalOptions

    struct Entry: Encodable {
        var version: String
        var stable: Bool
        var installed: Bool
        var current: Bool
    }

    func run() throws {
        let context = options.context()
        let store = context.store
        let installed = Set(store.installedVersions())
        let current = store.currentVersion()
        var entries: [Entry]
        if remote {
            let provider = context.indexProvider
            let index = try provider.load()
            let indexState = provider.origin.fromCache ? "cached" : "fetched"
            context.reporter.info("Index: \(provider.origin.url ?? context.sources.indexURL) (\(indexState)); files from: \(context.sources.fileBaseURLs.joined(separator: ", "))")
            let releases = all ? index.releases : index.newestPerLine()
            entries = releases.map {
                Entry(version: $0.version.name, stable: $0.version.isStable,
                      installed: installed.contains($0.version), current: $0.version == current)
            }
        } else {
            entries = installed.sorted(by: >).map {
                Entry(version: $0.name, stable: $0.isStable, installed: true, current: $0 == current)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            return
        }
        if !remote && entries.isEmpty {
            context.reporter.info("No Go versions installed in \(store.root); try `gover install latest`")
            return
        }
        var output = ""
        for entry in entries {
            var line = (entry.current ? "* " : "  ") + entry.version
            if remote && entry.installed { line += entry.current ? "  (installed, current)" : "  (installed)" }
            output += line + "\n"
        }
        writeAll(output, to: 1)
    }
}
