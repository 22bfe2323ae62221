#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Loads the release index: from the cache while it is fresh, else from the network with
/// a conditional request (`If-None-Match`/`If-Modified-Since`), else — network down —
/// from a stale cache with a warning.
public struct IndexProvider {
    public var sources: MirrorSources
    public var cacheDirectory: String
    public var offline: Bool
    /// How long a cached index is used without asking the server (`GOVER_INDEX_TTL`, seconds).
    public var timeToLive: Double
    public var http: HTTPClient
    public var retryPolicy: RetryPolicy
    public var reporter: Reporter

    public init(sources: MirrorSources, cacheDirectory: String, offline: Bool, timeToLive: Double,
                http: HTTPClient, retryPolicy: RetryPolicy, reporter: Reporter) {
        self.sources = sources
        self.cacheDirectory = cacheDirectory
        self.offline = offline
        self.timeToLive = timeToLive
        self.http = http
        self.retryPolicy = retryPolicy
        self.reporter = reporter
    }

    /// The index URL the last load used (for messages and the HTTP-mirror warning).
    public final class Origin: @unchecked Sendable {
        public var url: String?
        public var fromCache = false
    }
    public let origin = Origin()

    /// The cache file (see `IndexCacheFile`).
    public var cachePath: String { cacheDirectory + "/" + IndexCacheFile.fileName }

    /// Runs `body` with the index; if it finds no such version in a cached copy, asks the
    /// server once more (a release may have come out since the cache was filled).
    /// A miss in an index that looks like go.dev's default one (the server ignored
    /// `include=all`) is explained as such.
    public func withIndex<T>(_ body: (ReleaseIndex) throws -> T) throws -> T {
        var (index, fromFreshCache) = try loadReportingSource()
        do {
            do {
                return try body(index)
            } catch GoverError.versionNotFound where fromFreshCache && !offline {
                index = try load(revalidate: true)
                return try body(index)
            }
        } catch GoverError.versionNotFound(let selector, let nearest) {
            if let parsed = try? VersionSelector(parsing: selector), index.looksPartial(missing: parsed) {
                throw GoverError.partialIndex(selector: selector, url: origin.url ?? sources.indexURL,
                                              listed: index.versions.map(\.name))
            }
            throw GoverError.versionNotFound(selector: selector, nearest: nearest)
        }
    }

    /// `versionsOnly`: releases without their files when the cache is fresh (`list
    /// --remote` needs no more, and skips parsing and validating thousands of file lines).
    public func load(revalidate: Bool = false, versionsOnly: Bool = false) throws -> ReleaseIndex {
        try loadReportingSource(revalidate: revalidate, versionsOnly: versionsOnly).index
    }

    private static let warnedInsecure = Locked(false)

    /// Once per process: plain-HTTP files whose digests also came over plain HTTP.
    private func warnIfInsecure() {
        guard let url = origin.url, let mirror = sources.insecureMirror(indexUsed: url) else { return }
        let first = Self.warnedInsecure.withLock { warned -> Bool in
            defer { warned = true }
            return !warned
        }
        if first {
            reporter.warning("\(terminalSafe(mirror)) is plain HTTP and so is the index (\(terminalSafe(url))): anyone on the network path could swap both; set GOVER_INDEX_URL to an https index")
        }
    }

    /// The index, and whether it came from the cache without asking the server.
    private func loadReportingSource(revalidate: Bool = false, versionsOnly: Bool = false) throws -> (index: ReleaseIndex, fromFreshCache: Bool) {
        if let proxies = sources.moduleProxies {
            // A proxy's list is small and not cached: it is asked each time, like the go command does.
            if offline { throw GoverError.offlineWithoutCache(indexURL: sources.indexURL) }
            let (index, url) = try ToolchainModuleIndex.load(proxies: proxies, http: http, retryPolicy: retryPolicy,
                                                             reporter: reporter, timeoutSeconds: http.settings.indexTimeoutSeconds)
            origin.url = url
            return (index, false)
        }
        defer { warnIfInsecure() }
        var cached = readCache(versionsOnly: versionsOnly)
        if let partial = cached {
            let age = wallClockSeconds() - partial.fetchedAt
            if offline || (!revalidate && age >= 0 && age < timeToLive) {
                origin.url = partial.url
                origin.fromCache = true
                return (partial.index, true)
            }
            // The network path may rewrite the cache (a 304) or fall back to it: in full.
            if versionsOnly { cached = readCache() }
        } else if offline {
            throw GoverError.offlineWithoutCache(indexURL: sources.indexURL)
        }
        return (try fetch(cached: cached), false)
    }

    /// Asks each index URL in turn (retrying transient failures on each); falls back to a
    /// stale cache, with a warning, when none answers.
    private func fetch(cached: IndexCacheFile?) throws -> ReleaseIndex {
        var firstError: TransferError?
        for queryURL in sources.indexURLs {
            // A static mirror: its query URL answers with a page or a 404; the index is a file.
            let candidates = [queryURL] + (sources.staticIndexURL(for: queryURL).map { [$0] } ?? [])
            if let index = try fetchFirstIndex(candidates, cached: cached, firstError: &firstError) { return index }
        }
        if let interruption = InterruptMonitor.shared.interruption { throw interruption }
        // The first index is the one the user chose; its failure is the one to explain.
        let error = firstError?.goverError ?? GoverError.offlineWithoutCache(indexURL: sources.indexURL)
        guard let cached else { throw error }
        // The cache's time is checked when read (`IndexCacheFile`), so this stays small.
        let minutes = Int(max(0, min(wallClockSeconds() - cached.fetchedAt, 1e9)) / 60)
        reporter.warning("\(error.message); using the cached index from \(minutes) min ago")
        origin.url = cached.url
        origin.fromCache = true
        return cached.index
    }

    /// The index from the first of `urls` that answers with one; nil when none does (the
    /// first transfer error is kept for the message). A body that is not a JSON list is an
    /// error only at the last candidate: before it, it is a static server's page.
    private func fetchFirstIndex(_ urls: [String], cached: IndexCacheFile?, firstError: inout TransferError?) throws -> ReleaseIndex? {
        for (position, url) in urls.enumerated() {
            let isLast = position == urls.count - 1
            var headers: [String] = []
            if let cached, cached.url == url {
                if let etag = cached.etag { headers.append("If-None-Match: \(etag)") }
                if let lastModified = cached.lastModified { headers.append("If-Modified-Since: \(lastModified)") }
            }
            let head: HTTPResponseHead
            let body: [UInt8]
            do {
                (head, body) = try retryPolicy.run(reporter: reporter) {
                    try http.fetch(url, headers: headers, limit: HTTPClient.indexSizeLimit,
                                   timeoutSeconds: http.settings.indexTimeoutSeconds)
                }
            } catch let error as TransferError {
                if error.kind == .aborted { throw InterruptMonitor.shared.interruption ?? error.goverError }
                if firstError == nil { firstError = error }
                // A status (404, 403) is how a static server answers the query: try its
                // index.json. A network failure or an oversized body ends this mirror.
                if case .status = error.kind { continue }
                return nil
            }
            if head.status == 304, var refreshed = cached {
                origin.url = url
                origin.fromCache = false
                refreshed.fetchedAt = wallClockSeconds()
                writeCache(refreshed)
                return refreshed.index
            }
            // Only a body that is no JSON list at all (a directory page) sends gover on to
            // `index.json`; a release list with a bad entry is refused, never routed around.
            if !isLast, body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) != UInt8(ascii: "[") {
                continue
            }
            let index = try decode(body, source: url)
            origin.url = url
            origin.fromCache = false
            writeCache(IndexCacheFile(url: url, etag: head.etag, lastModified: head.lastModified,
                                      fetchedAt: wallClockSeconds(), index: index))
            return index
        }
        return nil
    }

    private func decode(_ bytes: [UInt8], source: String) throws -> ReleaseIndex {
        do {
            return try ReleaseIndex(json: Data(bytes))
        } catch GoverError.indexUnreadable(_, let reason) {
            throw GoverError.indexUnreadable(source: source, reason: reason)
        }
    }

    /// The cached index, if it was fetched from one of this configuration's index URLs
    /// (switching mirrors must not reuse another mirror's index).
    /// `versionsOnly` reads the file's first bytes, where the release lines are, and the
    /// rest only if they do not hold them all. The store's own file: a symlink there (or a
    /// FIFO, a directory) is no cache, never followed; the next fetch renames a file over it.
    private func readCache(versionsOnly: Bool = false) -> IndexCacheFile? {
        var cached: IndexCacheFile?
        if versionsOnly {
            guard let prefix = FileSystem.readFile(cachePath, followSymlinks: false, firstBytes: IndexCacheFile.versionsPrefix)
            else { return nil }
            let whole = prefix.count < IndexCacheFile.versionsPrefix
            cached = IndexCacheFile(bytes: prefix, versionsOnly: true, truncated: !whole)
            if cached == nil && whole { return nil }
        }
        if cached == nil {
            guard let bytes = FileSystem.readFile(cachePath, followSymlinks: false) else { return nil }
            cached = IndexCacheFile(bytes: bytes, versionsOnly: versionsOnly)
        }
        guard let cached, sources.acceptedIndexURLs.contains(cached.url) else { return nil }
        return cached
    }

    /// Best effort: a store the user cannot write (root's, in a Docker image) still lists
    /// versions, it just does not cache.
    private func writeCache(_ cache: IndexCacheFile) {
        do {
            try FileSystem.makeDirectories(cacheDirectory, mode: Store.directoryMode)
            try FileSystem.writeFileAtomically(cachePath, cache.encoded())
            for previous in IndexCacheFile.previousFileNames { unlink(cacheDirectory + "/" + previous) }
        } catch {
            // Not caching only costs a later re-download.
        }
    }
}

func wallClockSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
