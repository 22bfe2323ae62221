import ArgumentParser
import GoverCore

struct Gover: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gover",
        abstract: "Install Go toolchains and switch between them.",
        discussion: """
        Toolchains live in a store (GOVER_ROOT, default ~/.local/goversions), one \
        directory per version; `current` is a symlink to the active one. Put \
        current/bin on your PATH once:

          $ gover init                  # in your shell's start-up files
          $ eval "$(gover env)"         # in this shell
          $ gover doctor                # is `go` gover's? how to fix it

        Examples:
          $ gover install 1.22          # newest 1.22.x, SHA256-verified
          $ gover install --use latest  # newest stable release, then switch
          $ gover use 1.21              # highest installed 1.21.x becomes `go`
          $ gover list --remote         # what can be installed

        Environment:
          GOVER_ROOT        the store (default ~/.local/goversions)
          GOVER_MIRROR      mirrors for index and archives, comma-separated,
                            tried in order: URLs or `china`, `official`
                            (e.g. https://golang.google.cn/dl/); or
                            `goproxy` (toolchain modules from GOPROXY) or
                            `goproxy:<url>`, verified by the checksum database
          GOPROXY, GOSUMDB  as the go command reads them: module proxies
                            (https://proxy.golang.org,direct) and the
                            checksum database (sum.golang.org); never off
                            for a toolchain from a proxy
          GOVER_VERIFY_SUMDB=1  also check go.dev archives (go1.21.0 on)
                            against the checksum database (--verify-sumdb)
          GOVER_INDEX_URL   the release index, source of all digests
          GOVER_OFFLINE=1   use only the cached index
          GOVER_INDEX_TTL   seconds the cached index is trusted (3600)
          GOVER_RETRIES     retries of transient failures (4), backoff
                            from GOVER_RETRY_DELAY seconds (1)
          GOVER_CONNECT_TIMEOUT, GOVER_LOW_SPEED_LIMIT, GOVER_LOW_SPEED_TIME
                            connect timeout (30 s); a stall is under
                            LIMIT bytes/s (1024) for TIME seconds (30)
          GOVER_INDEX_TIMEOUT, GOVER_DOWNLOAD_TIMEOUT
                            deadline of an index request (120 s), of an
                            archive request (0: 600 s + size at 32 KiB/s)
                          Numbers outside their range are refused (exit 2).
          GOVER_CA_BUNDLE   CA certificates for HTTPS (also SSL_CERT_FILE);
                            proxies: https_proxy, no_proxy, ... as in curl
          GOVER_INFLATE     `zlib` or `isal`: the gzip inflater of installs
                            (default ISA-L when libisal.so.2 loads, else zlib)

        Exit status:
          0  success (also: already installed)
        \(exitStatusTable)
        """,
        version: goverVersionLine,
        subcommands: [Install.self, Use.self, List.self, Uninstall.self, Current.self, Which.self,
                      Env.self, Init.self, DoctorCommand.self, Exec.self, ShellCommand.self, HookCommand.self, Upgrade.self, Prune.self, Mirror.self, Cache.self]
    )

    static var exitStatusTable: String {
        (GoverError.ExitStatus.allCases.map { "  \($0.rawValue)  \($0.meaning)" }
            + ["  126/127  gover exec: the command cannot be run / was not found",
               "  130/143  interrupted by SIGINT/SIGTERM (nothing changed)"]).joined(separator: "\n")
    }
}

/// Options every command understands.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Mirror base URL for the index and archives, `china`/`official`, or `goproxy`/`goproxy:<url>` for toolchain modules (overrides GOVER_MIRROR).", valueName: "url"))
    var mirror: String?

    @Flag(help: "Use only the cached release index; never touch the network for it.")
    var offline = false

    @Flag(name: .shortAndLong, help: "Print only errors and warnings.")
    var quiet = false

    @Flag(help: "Also verify go.dev archives against the Go checksum database (go1.21.0 and newer; GOVER_VERIFY_SUMDB=1).")
    var verifySumdb = false

    /// The context of this run. A numeric GOVER_ variable out of its range ends the run
    /// here with exit 2 and a message naming it, whichever command reads it.
    func context(os: String? = nil, arch: String? = nil) -> GoverContext {
        do {
            var context = try GoverContext.fromEnvironment(currentEnvironment(), mirror: mirror, offline: offline, quiet: quiet,
                                                           os: os, arch: arch)
            if verifySumdb { context.verifyWithChecksumDatabase = true }
            return context
        } catch {
            Entry.fail(error)
        }
    }
}

/// Parses a selector argument, reporting a bad one as a usage error.
func parseSelector(_ text: String) throws -> VersionSelector {
    try VersionSelector(parsing: text)
}
