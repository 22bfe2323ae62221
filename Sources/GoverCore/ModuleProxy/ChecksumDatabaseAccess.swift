import Crypto

/// The `h1:` line the checksum database holds for one toolchain module, after every proof
/// (signature, inclusion, consistency with the tree gover saw before) checked out.
public struct VerifiedModuleHash: Sendable, Equatable {
    /// `golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64`.
    public var module: String
    public var hash: String
    /// The database's name (`sum.golang.org`).
    public var database: String
}

/// The last verified tree head of one database, kept in the store's cache
/// (`cache/sumdb/<name>/latest`): the next answer must extend it, or it is a fork.
struct CachedTreeHead: TreeHeadStore {
    let path: String

    init(cacheDirectory: String, database: String) {
        // A database name is user input (GOSUMDB): one plain component, or its digest.
        let component = (try? PlainFilename(database))?.value
            ?? "sumdb-" + SHA256.hash(data: Array(database.utf8)).prefix(8).map { byteHex($0) }.joined()
        path = cacheDirectory + "/sumdb/" + component + "/latest"
    }

    /// Nothing there: no head seen yet. Anything but a regular file (a symlink, a FIFO) is
    /// refused rather than taken for "nothing seen": that would silently reset fork detection.
    func load() throws -> [UInt8]? {
        var info = stat()
        if lstat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            throw GoverError.unsafeStoreEntry(path: path, found: FileSystem.describeKind(info.st_mode))
        }
        return try FileSystem.readRegularFile(path, limit: 64 << 10, followSymlinks: false)
    }

    func save(_ note: [UInt8]) throws {
        try FileSystem.makeDirectories(String(path.dropLast("/latest".count)))
        try FileSystem.writeFileAtomically(path, note)
    }
}

extension GoverContext {
    /// GOSUMDB parsed; `GOSUMDB=off` is refused with `purpose` in the message, because a
    /// toolchain module has nothing else to vouch for it (the go command refuses too).
    func checksumDatabaseSetting(purpose: String) throws -> ChecksumDatabaseSetting {
        guard let setting = try ChecksumDatabaseSetting.parse(goSettings.value("GOSUMDB")?.value) else {
            throw GoverError.moduleSourceDisabled(setting: "GOSUMDB=off", reason: "\(purpose) is verified only by the Go checksum database, and GOSUMDB=off turns it off (the go command refuses toolchain downloads then, too); unset GOSUMDB, or name a database: GOSUMDB=sum.golang.org, or sum.golang.google.cn where sum.golang.org is blocked")
        }
        return setting
    }

    /// Where to reach the database: its own URL when GOSUMDB names one; else the first
    /// GOPROXY proxy that answers `<proxy>/sumdb/<name>/supported` with 200 (404/410, or
    /// any error after `|`, try the next; any other answer means the database is
    /// unavailable, as in the go command); else `https://<name>` directly.
    func checksumDatabaseBaseURL(_ setting: ChecksumDatabaseSetting, proxies: ModuleProxyList) throws -> String {
        if let url = setting.url { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        let direct = "https://" + setting.name
        for entry in proxies.entries {
            guard case .proxy(let proxy, let fallBackOnError) = entry else { return direct }
            let base = proxy + "/sumdb/" + setting.name
            do {
                _ = try retryPolicy.run(reporter: reporter) {
                    try http.fetch(base + "/supported", limit: 4 << 10, timeoutSeconds: 30)
                }
                return base
            } catch let error as TransferError {
                if error.isNotFound || fallBackOnError { continue }
                throw GoverError.checksumDatabaseUnavailable(name: setting.name, reason: "\(base)/supported: \(error.goverError.message)")
            }
        }
        return direct
    }

    /// Asks the checksum database for the `h1:` of a toolchain module, proving the answer.
    public func verifiedModuleHash(moduleVersion: String, purpose: String) throws -> VerifiedModuleHash {
        let setting = try checksumDatabaseSetting(purpose: purpose)
        // The proxies that relay the database are GOPROXY's, whichever mirror serves files.
        let proxies = try sources.moduleProxies ?? ModuleProxyList(parsing: goSettings.value("GOPROXY")?.value)
        let base = try checksumDatabaseBaseURL(setting, proxies: proxies)
        let http = self.http
        let retryPolicy = self.retryPolicy
        let reporter = self.reporter
        let client = ChecksumDatabaseClient(
            setting: setting, baseURL: base,
            treeHeads: CachedTreeHead(cacheDirectory: store.cacheDirectory, database: setting.name),
            fetch: { url, limit in
                do {
                    return try retryPolicy.run(reporter: reporter) {
                        try http.fetch(url, limit: limit, timeoutSeconds: 60).1
                    }
                } catch let error as TransferError {
                    // A database answers a lookup of what it does not know with 404/410.
                    if error.isNotFound && url.hasPrefix(base + "/lookup/") {
                        throw GoverError.noChecksumRecord(database: setting.name, module: ToolchainModule.path + "@" + moduleVersion)
                    }
                    throw GoverError.checksumDatabaseUnavailable(name: setting.name, reason: error.goverError.message)
                }
            })
        reporter.info("Checking \(ToolchainModule.path)@\(moduleVersion) with the checksum database \(terminalSafe(setting.name))")
        let hash = try client.moduleHash(path: ToolchainModule.path, version: moduleVersion)
        return VerifiedModuleHash(module: ToolchainModule.path + "@" + moduleVersion, hash: hash, database: setting.name)
    }
}
