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
    /// `cache/sumdb/<name>`, and the `latest` file in it.
    let directory: String
    var path: String { directory + "/latest" }

    init(cacheDirectory: String, database: String) {
        // A database name is user input (GOSUMDB): one plain component, or its digest.
        let component = (try? PlainFilename(database))?.value
            ?? "sumdb-" + SHA256.hash(data: Array(database.utf8)).prefix(8).map { byteHex($0) }.joined()
        directory = cacheDirectory + "/sumdb/" + component
    }

    /// Both must be what gover makes (a directory, a regular file) or absent. Anything else —
    /// a symlink, a FIFO — is refused, never followed, and never taken for "nothing seen yet",
    /// which would silently reset fork detection. (`cache/sumdb` itself is one of the store's
    /// internal entries, checked with the others by `Store.checkSafe`.)
    private func checkEntries() throws {
        for (entry, expected) in [(directory, S_IFDIR), (path, S_IFREG)] {
            guard let found = FileSystem.kind(entry), found != expected else { continue }
            throw GoverError.unsafeStoreEntry(path: entry, found: FileSystem.describeKind(found))
        }
    }

    func load() throws -> [UInt8]? {
        try checkEntries()
        return try FileSystem.readRegularFile(path, limit: 64 << 10, followSymlinks: false)
    }

    func save(_ note: [UInt8]) throws {
        try checkEntries()
        try FileSystem.makeDirectories(directory)
        // Relative to the directory opened without following: one swapped for a symlink since
        // the check above fails here instead of receiving the file.
        try FileSystem.writeFileAtomically(named: "latest", inDirectory: directory, note)
    }
}

/// Full tiles of one database's log, in the store's cache beside its tree head
/// (`cache/sumdb/<name>/tiles/tile-8-0-x001-234`: one plain name per tile path, so no
/// directory below `tiles/` is ever created or followed). A `tiles` that is not a directory
/// (a symlink, a file) is neither read nor written: tiles are authenticated anyway, so the
/// cache is merely skipped.
struct CachedTiles: TileStore {
    let directory: String
    /// At most this many files (8 KiB tiles: 8 MiB): beyond it the directory is emptied and
    /// refilled by the next lookups (a lookup adds a few tiles; without a bound nothing would
    /// ever remove them, nor the temporary files of a killed write).
    static let maximumFiles = 1024

    init(treeHead: CachedTreeHead) {
        directory = treeHead.directory + "/tiles"
    }

    /// `tile/8/0/x001/234` → `tile-8-0-x001-234`.
    private func name(_ tilePath: String) -> String? {
        (try? PlainFilename(String(decoding: tilePath.utf8.map { $0 == UInt8(ascii: "/") ? UInt8(ascii: "-") : $0 }, as: UTF8.self)))?.value
    }

    private var usable: Bool {
        [directory, FileSystem.parentPath(of: directory)].allSatisfy { FileSystem.kind($0) == S_IFDIR }
    }

    func load(_ path: String, length: Int) -> [UInt8]? {
        guard let name = name(path), usable, case let file = directory + "/" + name,
              let data = try? FileSystem.readRegularFile(file, limit: length, followSymlinks: false), data.count == length
        else { return nil }
        return data
    }

    func save(_ tiles: [String: [UInt8]]) {
        let parent = FileSystem.parentPath(of: directory)
        // The parent (`cache/sumdb/<name>`) exists once a tree head was saved, and is checked there.
        guard FileSystem.kind(parent) == S_IFDIR else { return }
        if FileSystem.kind(directory) == nil { try? FileSystem.makeDirectory(directory) }
        guard FileSystem.kind(directory) == S_IFDIR else { return }
        if FileSystem.directoryEntries(directory).count + tiles.count > Self.maximumFiles {
            // Through a descriptor opened without following: never a swapped-in symlink's target.
            try? FileSystem.removeContents(ofDirectory: directory)
        }
        for (path, data) in tiles {
            guard let name = self.name(path) else { continue }
            try? FileSystem.writeFileAtomically(named: name, inDirectory: directory, data)
        }
    }
}

/// A proxy that answered `<proxy>/sumdb/<name>/supported` with something other than 200,
/// 404 or 410 (or failed, with `,` after it): the go command then gives up on the database.
struct RelayRefusal: Error {
    let proxy: String
    let url: String
    let error: TransferError
}

extension ChecksumDatabaseSetting {
    /// Where to reach the database, as the go command decides (`modfetch/sumdb.go`): its own
    /// URL when GOSUMDB names one; else the first GOPROXY proxy whose `/sumdb/<name>/supported`
    /// answers 200 (404/410, or any error with `|` after the proxy, try the next; anything
    /// else throws `RelayRefusal`); else `https://<name>` directly. `probe` GETs a URL,
    /// throwing a `TransferError`. `relay` is the proxy used, nil for a direct connection.
    func route(through proxies: ModuleProxyList, probe: (String) throws -> Void) throws -> (base: String, relay: String?) {
        if let url { return (url.hasSuffix("/") ? String(url.dropLast()) : url, nil) }
        for entry in proxies.entries {
            guard case .proxy(let proxy, let fallBackOnError) = entry else { break }
            let base = proxy + "/sumdb/" + name
            do {
                try probe(base + "/supported")
                return (base, proxy)
            } catch let error as TransferError where error.isNotFound || fallBackOnError {
                continue
            } catch let error as TransferError {
                throw RelayRefusal(proxy: proxy, url: base + "/supported", error: error)
            }
        }
        return ("https://" + name, nil)
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

    /// Asks the checksum database for the `h1:` of a toolchain module, proving the answer.
    public func verifiedModuleHash(moduleVersion: String, purpose: String) throws -> VerifiedModuleHash {
        let setting = try checksumDatabaseSetting(purpose: purpose)
        // The proxies that relay the database are GOPROXY's, whichever mirror serves files.
        let proxies = try sources.moduleProxies ?? ModuleProxyList(parsing: goSettings.value("GOPROXY")?.value)
        let http = self.http
        let retryPolicy = self.retryPolicy
        let reporter = self.reporter
        let base: String
        do {
            base = try setting.route(through: proxies) { url in
                _ = try retryPolicy.run(reporter: reporter) { try http.fetch(url, limit: 4 << 10, timeoutSeconds: 30) }
            }.base
        } catch let refusal as RelayRefusal {
            throw GoverError.checksumDatabaseUnavailable(name: setting.name, reason: "\(refusal.url): \(refusal.error.goverError.message)")
        }
        let treeHead = CachedTreeHead(cacheDirectory: store.cacheDirectory, database: setting.name)
        let client = ChecksumDatabaseClient(
            setting: setting, baseURL: base, treeHeads: treeHead, tiles: CachedTiles(treeHead: treeHead),
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
