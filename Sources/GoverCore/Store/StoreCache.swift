/// The store's `cache/` holds only what gover can fetch again: the release index and its
/// metadata, archives kept with `--keep-archive`, and partial files of an interrupted
/// download. `gover cache clean` empties it, so a Dockerfile `RUN` line that installs Go can
/// end with it and the image layer carries no download cache.
extension Store {
    /// What `cleanCache` removed.
    public struct CacheCleanup: Sendable, Equatable {
        /// The cached release index (with its ETag/Last-Modified) was removed.
        public var removedIndex = false
        /// Archives removed from `cache/archives` (kept with `--keep-archive`).
        public var archives = 0
        /// Every file removed, the index and archives included.
        public var files = 0
        /// Their total size in bytes.
        public var bytes: Int64 = 0

        public init() {}
    }

    /// Empties `cache/` under the store lock (an install writing the index or keeping an
    /// archive is not cut short), but keeps the directory itself: it may be a mount point
    /// (a BuildKit cache mount, a CI cache). A store without a cache is left untouched, not
    /// created. `lock` takes the store lock (`GoverContext.lockStore`).
    public func cleanCache(lock: () throws -> StoreLock) throws -> CacheCleanup {
        try checkSafe()
        // `lstat`: a symlink in place of `cache/` was refused above, never emptied.
        guard FileSystem.kind(cacheDirectory) == S_IFDIR else { return CacheCleanup() }
        let lock = try lock()
        return try withExtendedLifetime(lock) {
            var cleanup = CacheCleanup()
            for name in FileSystem.directoryEntries(cacheDirectory).sorted() {
                let path = cacheDirectory + "/" + name
                if name == IndexCacheFile.fileName || IndexCacheFile.previousFileNames.contains(name) { cleanup.removedIndex = true }
                if name == "archives" {
                    cleanup.archives = FileSystem.directoryEntries(path).filter { $0.hasSuffix(".tar.gz") }.count
                }
                Self.measure(path, into: &cleanup)
                try FileSystem.removeTree(path)
            }
            return cleanup
        }
    }

    /// Adds what is under `path` (not following symlinks) to the tally.
    private static func measure(_ path: String, into cleanup: inout CacheCleanup) {
        let usage = FileSystem.usage(of: path)
        cleanup.files += usage.files
        cleanup.bytes += usage.bytes
    }
}
