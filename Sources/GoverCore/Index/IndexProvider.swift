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
    public var reporter: Reporter

    public init(sources: MirrorSources, cacheDirectory: String, offline: Bool, timeToLive: Double,
                http: HTTPClient, reporter: Reporter) {
        self.sources = sources
        self.cacheDirectory = cacheDirectory
        self.offline = offline
        self.timeToLive = timeToLive
        self.http = http
        self.reporter = reporter
    }

    struct CacheMetadata: Codable {
        var url: String
        var etag: String?
        var lastModified: String?
        var fetchedAt: Double
    }

    private var indexPath: String { cacheDirectory + "/index.json" }
    private var metadataPath: String { cacheDirectory + "/index.meta.json" }

    /// Runs `body` with the index; if it finds no such version in a cached copy, asks the
    /// server once more (a release may have come out since the cache was filled).
    public func withIndex<T>(_ body: (ReleaseIndex) throws -> T) throws -> T {
        let (index, fromFreshCache) = try loadReportingSource()
        do {
            return try body(index)
        } catch GoverError.versionNotFound where fromFreshCache && !offline {
            return try body(try load(revalidate: true))
        }
    }

    public func load(revalidate: Bool = false) throws -> ReleaseIndex {
        try loadReportingSource(revalidate: revalidate).index
    }

    /// The index, and whether it came from the cache without asking the server.
    private func loadReportingSource(revalidate: Bool = false) throws -> (index: ReleaseIndex, fromFreshCache: Bool) {
        let cached = readCache()
        if let (metadata, bytes) = cached {
            let age = wallClockSeconds() - metadata.fetchedAt
            if offline || (!revalidate && age >= 0 && age < timeToLive) {
                return (try decode(bytes, source: indexPath), true)
            }
        } else if offline {
            throw GoverError.offlineWithoutCache(indexURL: sources.indexURL)
        }
        return (try fetch(cached: cached), false)
    }

    private func fetch(cached: (CacheMetadata, [UInt8])?) throws -> ReleaseIndex {
        var headers: [String] = []
        if let metadata = cached?.0 {
            if let etag = metadata.etag { headers.append("If-None-Match: \(etag)") }
            if let lastModified = metadata.lastModified { headers.append("If-Modified-Since: \(lastModified)") }
        }
        let response: HTTPResponse
        let body: [UInt8]
        do {
            (response, body) = try http.fetch(sources.indexURL, headers: headers)
        } catch let error as GoverError {
            guard let (metadata, bytes) = cached else { throw error }
            let minutes = Int((wallClockSeconds() - metadata.fetchedAt) / 60)
            reporter.warning("\(error.message); using the cached index from \(minutes) min ago")
            return try decode(bytes, source: indexPath)
        }
        if response.status == 304, let (metadata, bytes) = cached {
            var refreshed = metadata
            refreshed.fetchedAt = wallClockSeconds()
            writeCache(metadata: refreshed, bytes: nil)
            return try decode(bytes, source: indexPath)
        }
        let index = try decode(body, source: sources.indexURL)
        writeCache(metadata: CacheMetadata(url: sources.indexURL, etag: response.etag,
                                           lastModified: response.lastModified, fetchedAt: wallClockSeconds()),
                   bytes: body)
        return index
    }

    private func decode(_ bytes: [UInt8], source: String) throws -> ReleaseIndex {
        do {
            return try ReleaseIndex(json: Data(bytes))
        } catch GoverError.indexUnreadable(_, let reason) {
            throw GoverError.indexUnreadable(source: source, reason: reason)
        }
    }

    /// The cached index, if it was fetched from the same URL (switching mirrors must not
    /// reuse another mirror's index).
    private func readCache() -> (CacheMetadata, [UInt8])? {
        guard let metaBytes = FileSystem.readFile(metadataPath),
              let metadata = try? JSONDecoder().decode(CacheMetadata.self, from: Data(metaBytes)),
              metadata.url == sources.indexURL,
              let bytes = FileSystem.readFile(indexPath) else { return nil }
        return (metadata, bytes)
    }

    /// Best effort: a store the user cannot write (root's, in a Docker image) still lists
    /// versions, it just does not cache.
    private func writeCache(metadata: CacheMetadata, bytes: [UInt8]?) {
        do {
            try FileSystem.makeDirectories(cacheDirectory, mode: Store.directoryMode)
            if let bytes { try FileSystem.writeFileAtomically(indexPath, bytes) }
            let encoded = try JSONEncoder().encode(metadata)
            try FileSystem.writeFileAtomically(metadataPath, Array(encoded))
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
