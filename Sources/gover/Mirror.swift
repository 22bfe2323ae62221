import ArgumentParser
import GoverCore

struct Mirror: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror",
        abstract: "Fill a directory to serve as a mirror for a whole fleet (any static file server).",
        subcommands: [Sync.self]
    )

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Download and verify archives into DIR, laid out as go.dev's, with an index.json.",
            discussion: """
            DIR gets each archive under its go.dev name, a <file>.sha256 beside it, and \
            index.json: the release index restricted to what DIR holds. Serve DIR with nginx, \
            S3 + a CDN or an Artifactory generic repository and point the fleet at it: \
            GOVER_MIRROR=https://mirror.internal/go/ (gover reads <base>index.json when \
            <base>?mode=json does not answer with an index). Every archive is verified (size \
            and SHA256 from the upstream index) before it appears under its final name; an \
            interrupted sync resumes; a re-run downloads only what is missing and verifies what \
            is there, replacing anything corrupt.

            Selectors as for install (1.22, 1.22.5, latest); none: the newest patch of each \
            minor line (with --unstable, also newer pre-releases).

            Examples:
              $ gover mirror sync /srv/go --os linux --arch amd64,arm64 1.21 1.22 latest
              $ gover mirror sync /srv/go --delete     # newest patch per line, drop the rest
            """
        )

        @Argument(help: ArgumentHelp("The mirror directory (created if missing).", valueName: "dir"))
        var directory: String

        @Argument(help: ArgumentHelp("Versions: 1.22, 1.22.5, latest, ... (default: the newest patch of each minor line).", valueName: "selector"))
        var selectors: [String] = []

        @Option(help: ArgumentHelp("Operating systems, comma-separated (default: this machine's).", valueName: "goos,..."))
        var os: String?

        @Option(help: ArgumentHelp("Architectures, comma-separated (default: this machine's).", valueName: "goarch,..."))
        var arch: String?

        @Flag(help: "Also pre-releases newer than the newest stable release (without selectors).")
        var unstable = false

        @Flag(help: "Remove archives in DIR that the selection no longer covers.")
        var delete = false

        @Option(name: [.customShort("j"), .customLong("jobs")], help: ArgumentHelp("Downloads at once, 1 to 8 (default 2).", valueName: "n"))
        var jobs = 2

        @OptionGroup var options: GlobalOptions

        func validate() throws {
            guard (1...8).contains(jobs) else { throw ValidationError("-j takes 1 to 8") }
            for selector in selectors { _ = try parseSelector(selector) }
            for value in (os ?? "").split(separator: ",") { try validatePlatformOptions(os: String(value), arch: nil) }
            for value in (arch ?? "").split(separator: ",") { try validatePlatformOptions(os: nil, arch: String(value)) }
        }

        func run() throws {
            // The index is cached in the store: it must pass the same checks as for install.
            let context = try options.checkedContext()
            if context.sources.moduleProxies != nil {
                throw GoverError.invalidModuleSetting(name: "GOVER_MIRROR", value: options.mirror ?? currentEnvironment()["GOVER_MIRROR"] ?? "goproxy",
                                                      reason: "`gover mirror sync` copies go.dev release archives, checked by an index; a module proxy is already a mirror of toolchains (point machines at it with GOVER_MIRROR=goproxy), so sync from go.dev or a release mirror instead")
            }
            let native = Platform.current
            let systems = os.map { $0.split(separator: ",").map(String.init) } ?? [native.os]
            let architectures = arch.map { $0.split(separator: ",").map(String.init) } ?? [native.arch]
            let absolute = directory.hasPrefix("/") ? directory : currentDirectory() + "/" + directory
            InterruptMonitor.shared.start()
            let sync = MirrorSync(context: context, directory: absolute,
                                  platforms: systems.flatMap { os in architectures.map { Platform(os: os, arch: $0) } },
                                  unstable: unstable, delete: delete, jobs: jobs)
            let summary = try sync.run(selectors: selectors)
            var line = "Synced \(absolute): \(summary.files) archive\(summary.files == 1 ? "" : "s"), \(summary.downloaded) downloaded (\(formatBytes(summary.bytes)))"
            if summary.replaced > 0 { line += ", \(summary.replaced) corrupt replaced" }
            if summary.deleted > 0 { line += ", \(summary.deleted) deleted" }
            line += " in \(formatDecimal(summary.seconds, digits: 1))s; index: \(absolute)/index.json"
            context.reporter.info(line)
        }
    }
}
