import ArgumentParser
import GoverCore

struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Manage the store's download cache (the release index, kept archives).",
        subcommands: [Clean.self, Dir.self]
    )

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clean",
            abstract: "Remove the cached release index and any kept archives.",
            discussion: """
            Installed versions and `current` are not touched; the next command that needs the \
            index downloads it again. Ends a Dockerfile RUN line, so the image keeps no cache:

              RUN gover install --use 1.22.5 && gover cache clean
            """
        )

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let context = try options.checkedContext()
            InterruptMonitor.shared.start()
            let cleanup = try context.store.cleanCache(lock: context.lockStore)
            context.reporter.info(Self.summary(cleanup, directory: context.store.cacheDirectory))
        }

        /// `Removed 2 files (the release index, 1 archive) from /usr/local/goversions/cache: 69.8 MB freed`.
        static func summary(_ cleanup: Store.CacheCleanup, directory: String) -> String {
            guard cleanup.files > 0 else { return "The cache \(directory) is already empty" }
            var what: [String] = []
            if cleanup.removedIndex { what.append("the release index") }
            if cleanup.archives > 0 { what.append(cleanup.archives == 1 ? "1 archive" : "\(cleanup.archives) archives") }
            let files = cleanup.files == 1 ? "1 file" : "\(cleanup.files) files"
            let detail = what.isEmpty ? "" : " (\(what.joined(separator: ", ")))"
            return "Removed \(files)\(detail) from \(directory): \(formatBytes(cleanup.bytes)) freed"
        }
    }

    struct Dir: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dir",
            abstract: "Print the cache directory (e.g. for a CI cache or a BuildKit cache mount)."
        )

        @OptionGroup var options: GlobalOptions

        func run() throws {
            writeAll(options.context().store.cacheDirectory + "\n", to: 1)
        }
    }
}
