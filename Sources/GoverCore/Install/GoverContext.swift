/// Everything a command needs to know about where it runs: the store, the mirrors, the
/// platform and how to talk to the user. Built once from the environment and flags;
/// tests build one pointing at a temporary store.
public struct GoverContext: Sendable {
    public var store: Store
    public var sources: MirrorSources
    public var platform: Platform
    public var offline: Bool
    public var indexTimeToLive: Double
    public var reporter: Reporter
    public var http: HTTPClient
    public var retryPolicy: RetryPolicy
    /// `GOVER_INFLATE`: the inflater an install must use; nil, the fastest available.
    public var inflater: Inflater?
    /// `GOSUMDB` and `GOPROXY` as the go command reads them (read when needed): which
    /// checksum database verifies toolchain modules, and which proxies may relay it.
    public var goSettings = GoSettings(environment: [:], home: "/", os: Platform.current.os)
    /// `--verify-sumdb` / `GOVER_VERIFY_SUMDB=1`: also check go.dev archives against the
    /// checksum database.
    public var verifyWithChecksumDatabase = false

    public init(store: Store, sources: MirrorSources, platform: Platform, offline: Bool,
                indexTimeToLive: Double, reporter: Reporter, http: HTTPClient,
                retryPolicy: RetryPolicy = RetryPolicy(), inflater: Inflater? = nil) {
        self.store = store
        self.sources = sources
        self.platform = platform
        self.offline = offline
        self.indexTimeToLive = indexTimeToLive
        self.reporter = reporter
        self.http = http
        self.retryPolicy = retryPolicy
        self.inflater = inflater
    }

    /// The store root: `GOVER_ROOT`, else `~/.local/goversions`.
    public static func defaultRoot(environment: [String: String]) -> String {
        if let root = environment["GOVER_ROOT"], !root.isEmpty { return root }
        return homeDirectory(environment: environment) + "/.local/goversions"
    }

    public static func homeDirectory(environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir { return String(cString: dir) }
        return "/"
    }

    /// Reads `GOVER_ROOT`, `GOVER_MIRROR`, `GOVER_INDEX_URL`, `GOVER_OFFLINE`,
    /// `GOVER_INDEX_TTL`, `GOVER_RETRIES`, `GOVER_RETRY_DELAY`, `GOVER_CONNECT_TIMEOUT`,
    /// `GOVER_LOW_SPEED_LIMIT`/`_TIME`, `GOVER_INDEX_TIMEOUT`, `GOVER_DOWNLOAD_TIMEOUT`,
    /// `GOVER_CA_BUNDLE`/`SSL_CERT_FILE`, `GOVER_INFLATE`, `GOVER_VERIFY_SUMDB`, `GOPROXY`,
    /// `GOSUMDB`; flags given explicitly win. A numeric
    /// variable outside its range, or an unknown inflater, throws `GoverError.invalidEnvironment`
    /// (see `EnvironmentNumber`).
    public static func fromEnvironment(
        _ environment: [String: String],
        root: String? = nil,
        mirror: String? = nil,
        offline: Bool = false,
        quiet: Bool = false,
        os: String? = nil,
        arch: String? = nil
    ) throws(GoverError) -> GoverContext {
        var platform = Platform.current
        if let os { platform.os = os }
        if let arch { platform.arch = arch }
        let offlineFromEnvironment = ["1", "true", "yes"].contains(environment["GOVER_OFFLINE"]?.lowercased() ?? "")
        let goSettings = GoSettings(environment: environment, home: homeDirectory(environment: environment), os: Platform.current.os)
        var context = GoverContext(
            store: Store(root: root ?? defaultRoot(environment: environment)),
            // The go env file is read only when a module proxy is chosen, not by every `gover current`.
            sources: try MirrorSources.resolve(mirror: mirror ?? environment["GOVER_MIRROR"], indexOverride: environment["GOVER_INDEX_URL"],
                                               goproxy: goSettings.value("GOPROXY")?.value),
            platform: platform,
            offline: offline || offlineFromEnvironment,
            indexTimeToLive: Double(try EnvironmentNumber.indexTimeToLive.integer(in: environment)),
            reporter: Reporter.automatic(quiet: quiet, environment: environment),
            http: HTTPClient(settings: try HTTPClient.Settings(environment: environment)),
            retryPolicy: try RetryPolicy(environment: environment),
            inflater: try Inflater.preference(in: environment)
        )
        context.goSettings = goSettings
        context.verifyWithChecksumDatabase = ["1", "true", "yes"].contains(environment["GOVER_VERIFY_SUMDB"]?.lowercased() ?? "")
        return context
    }

    public var indexProvider: IndexProvider {
        IndexProvider(sources: sources, cacheDirectory: store.cacheDirectory, offline: offline,
                      timeToLive: indexTimeToLive, http: http, retryPolicy: retryPolicy, reporter: reporter)
    }
}

extension GoverContext {
    /// Takes the store's lock for a command that changes the store, telling the user when
    /// another gover holds it; Ctrl-C or SIGTERM while waiting stops the wait.
    public func lockStore() throws -> StoreLock {
        try store.lock(
            waitingMessage: { reporter.info("Waiting for another gover process to finish with \(store.root)...") },
            shouldStop: { InterruptMonitor.shared.interruption }
        )
    }
}
