import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `gover mirror sync DIR`: fills a directory that any static file server (nginx, S3 behind a
/// CDN, an Artifactory generic repository) can serve as a go.dev-shaped mirror:
///
///     DIR/go1.22.12.linux-amd64.tar.gz          the archives, under their go.dev names
///     DIR/go1.22.12.linux-amd64.tar.gz.sha256   their digests, as go.dev publishes them
///     DIR/index.json                            the release index, restricted to what DIR holds
///     DIR/.partial/                             downloads in flight (resumed with Range)
///
/// Every archive is verified (size and SHA256 from the upstream index) before it appears
/// under its final name (`rename(2)`); a killed sync leaves only `.partial/`, which the next
/// run resumes. Files already present are verified again, and replaced when they do not match.
public struct MirrorSync {
    public var context: GoverContext
    public var directory: String
    public var platforms: [Platform]
    public var unstable: Bool
    public var delete: Bool
    public var jobs: Int

    public init(context: GoverContext, directory: String, platforms: [Platform], unstable: Bool, delete: Bool, jobs: Int) {
        self.context = context
        self.directory = directory
        self.platforms = platforms
        self.unstable = unstable
        self.delete = delete
        self.jobs = jobs
    }

    public struct Summary: Sendable {
        public var files = 0
        public var downloaded = 0
        public var replaced = 0
        public var bytes: Int64 = 0
        public var deleted = 0
        public var seconds = 0.0
    }

    /// The archives `selectors` name (default: the newest patch of each minor line, and with
    /// `unstable` the pre-releases newer than it), for every platform asked for.
    public func plan(selectors: [String], index: ReleaseIndex) throws -> [ReleaseFile] {
        var releases: [Release] = []
        if selectors.isEmpty {
            releases = index.newestPerLine().filter { unstable || $0.version.isStable }
        } else {
            for text in selectors {
                let release = try index.resolve(try VersionSelector(parsing: text), selectorText: text)
                if !releases.contains(where: { $0.version == release.version }) { releases.append(release) }
            }
        }
        var files: [ReleaseFile] = []
        for release in releases {
            for platform in platforms {
                guard let file = release.archive(for: platform) else {
                    context.reporter.warning("\(release.version.name) has no archive for \(platform); skipped")
                    continue
                }
                guard file.hasDigest else {
                    context.reporter.warning("the index has no digest for \(terminalSafe(file.filename)); skipped")
                    continue
                }
                files.append(file)
            }
        }
        return files
    }

    public func run(selectors: [String]) throws -> Summary {
        let started = monotonicSeconds()
        let index = try context.indexProvider.load()
        let files = try plan(selectors: selectors, index: index)
        try FileSystem.makeDirectories(directory + "/.partial", mode: Store.directoryMode)
        let lock = try StoreLock(path: directory + "/.gover-sync.lock",
                                 waitingMessage: { context.reporter.info("Waiting for another sync of \(directory)...") },
                                 shouldStop: { InterruptMonitor.shared.interruption })
        return try withExtendedLifetime(lock) {
            var summary = Summary()
            summary.files = files.count
            let queue = Locked(files)
            // One progress line for the whole sync (on a terminal): bytes verified or
            // downloaded so far, of all the archives selected.
            let done = Locked<Int64>(0)
            let total = files.reduce(Int64(0)) { $0 + $1.size }
            context.reporter.beginProgress("  \(files.count) archive\(files.count == 1 ? "" : "s")")
            let advance: (Int64) -> Void = { bytes in
                let now = done.withLock { value -> Int64 in
                    value += bytes
                    return value
                }
                context.reporter.progress(received: now, total: total)
            }
            let results = Locked<[Result<FileOutcome, Error>]>([])
            let workers = (0..<max(1, min(jobs, files.count))).map { _ in
                DetachedThread {
                    while let file = queue.withLock({ $0.popLast() }) {
                        let outcome = Result { try syncFile(file, advance: advance) }
                        results.withLock { $0.append(outcome) }
                        if case .failure = outcome { queue.withLock { $0.removeAll() } }
                    }
                }
            }
            InterruptMonitor.shared.whileRunning(onInterrupt: { queue.withLock { $0.removeAll() } }) {
                workers.forEach { $0.start() }
                workers.forEach { $0.join() }
            }
            context.reporter.clearProgressLine()
            if let interruption = InterruptMonitor.shared.interruption { throw interruption }
            for result in results.current {
                let outcome = try result.get()
                summary.bytes += outcome.bytes
                if outcome.downloaded { summary.downloaded += 1 }
                if outcome.replaced { summary.replaced += 1 }
            }
            if delete { summary.deleted = try deleteUnselected(keeping: Set(files.map(\.filename))) }
            try writeIndex(index)
            summary.seconds = monotonicSeconds() - started
            return summary
        }
    }

    struct FileOutcome {
        var downloaded = false
        var replaced = false
        var bytes: Int64 = 0
    }

    /// One archive: verified in place when present, else downloaded into `.partial/`
    /// (resumed from what a killed run left), verified, and renamed into place.
    private func syncFile(_ file: ReleaseFile, advance: (Int64) -> Void) throws -> FileOutcome {
        let final = directory + "/" + file.filename
        var outcome = FileOutcome()
        if FileSystem.kind(final) != nil {
            if (try? Self.digest(of: final, expectedSize: file.size)) == file.sha256.lowercased() {
                try writeDigestFile(file)
                advance(file.size)
                context.reporter.info("\(file.filename): present, verified")
                return outcome
            }
            context.reporter.warning("\(terminalSafe(file.filename)) in \(terminalSafe(directory)) does not match the index (corrupt or truncated); downloading it again")
            outcome.replaced = true
        }
        let partial = directory + "/.partial/" + file.filename + ".partial"
        if let kind = FileSystem.kind(partial), kind != S_IFREG { unlink(partial) }
        let fd = open(partial, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw GoverError.filesystem(path: partial, operation: "create", errno: errno) }
        defer { close(fd) }

        // Whatever a killed run left is hashed again, then the download continues after it.
        var hasher = SHA256()
        let existing = try Self.hash(fd: fd, into: &hasher, path: partial, upTo: file.size)
        let progress = ArchiveDownload.Progress()
        progress.delivered = existing
        if existing > 0 { context.reporter.info("\(file.filename): resuming at byte \(existing)") }
        advance(existing)
        let download = ArchiveDownload(urls: context.sources.urls(of: file.filename), http: context.http,
                                       policy: context.retryPolicy, reporter: context.reporter,
                                       timeoutSeconds: context.http.settings.downloadTimeout(forSize: file.size),
                                       expectedSize: file.size)
        var writeError: Int32?
        var restarts = 0
        while true {
            do {
                try download.run(progress: progress, consume: { chunk in
                    if progress.delivered > file.size { return false }
                    guard writeAll(chunk, to: fd) else { writeError = errno; return false }
                    hasher.update(bufferPointer: chunk)
                    advance(Int64(chunk.count))
                    return true
                }, onProgress: { _, _ in InterruptMonitor.shared.interruption == nil })
                break
            } catch let restart as RestartRequired where restarts < context.retryPolicy.retries {
                restarts += 1
                context.reporter.warning("\(restart.reason); starting \(terminalSafe(file.filename)) over")
                guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
                    throw GoverError.filesystem(path: partial, operation: "truncate", errno: errno)
                }
                hasher = SHA256()
                progress.delivered = 0
            } catch {
                if let writeError { throw GoverError.filesystem(path: partial, operation: "write", errno: writeError) }
                if let interruption = InterruptMonitor.shared.interruption { throw interruption }
                throw (error as? TransferError)?.goverError ?? error
            }
        }
        if let writeError { throw GoverError.filesystem(path: partial, operation: "write", errno: writeError) }
        let digest = hasher.finalize().map { byteHex($0) }.joined()
        guard progress.delivered == file.size else {
            unlink(partial)
            throw GoverError.sizeMismatch(file: file.filename, expected: file.size, actual: progress.delivered)
        }
        guard digest == file.sha256.lowercased() else {
            unlink(partial)
            throw GoverError.checksumMismatch(file: file.filename, expected: file.sha256.lowercased(), actual: digest)
        }
        // Durable before it is visible: a CDN may copy it the moment it appears.
        _ = fsync(fd)
        try FileSystem.move(partial, to: final)
        _ = chmod(final, 0o644)
        try writeDigestFile(file)
        FileSystem.syncDirectory(directory)
        outcome.downloaded = true
        outcome.bytes = file.size - existing
        context.reporter.info("\(file.filename): downloaded \(formatBytes(file.size - existing)), verified")
        return outcome
    }

    /// `<file>.sha256` beside the archive: the hex digest and a newline, as go.dev serves it.
    private func writeDigestFile(_ file: ReleaseFile) throws {
        let path = directory + "/" + file.filename + ".sha256"
        let text = file.sha256.lowercased() + "\n"
        if FileSystem.readFile(path, limit: 4096) == Array(text.utf8) { return }
        try FileSystem.writeFileAtomically(path, Array(text.utf8), mode: 0o644)
    }

    /// SHA256 of a file, read in chunks; nil-equivalent errors when its size is not `expectedSize`.
    static func digest(of path: String, expectedSize: Int64) throws -> String {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw GoverError.filesystem(path: path, operation: "read", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, Int64(info.st_size) == expectedSize else {
            throw GoverError.sizeMismatch(file: path, expected: expectedSize, actual: Int64(info.st_size))
        }
        var hasher = SHA256()
        _ = try hash(fd: fd, into: &hasher, path: path, upTo: expectedSize)
        return hasher.finalize().map { byteHex($0) }.joined()
    }

    /// Feeds `fd` from its start into `hasher`; a file longer than `limit` is cut back to
    /// nothing (it is not a prefix of the archive). Leaves the offset at its end.
    static func hash(fd: Int32, into hasher: inout SHA256, path: String, upTo limit: Int64) throws -> Int64 {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GoverError.filesystem(path: path, operation: "inspect", errno: errno) }
        if Int64(info.st_size) > limit { _ = ftruncate(fd, 0) }
        _ = lseek(fd, 0, SEEK_SET)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw GoverError.filesystem(path: path, operation: "read", errno: errno)
            }
            if n == 0 { return total }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            total += Int64(n)
        }
    }

    /// `--delete`: archives (and their `.sha256`) the selection no longer covers, and stale
    /// partial downloads.
    private func deleteUnselected(keeping selected: Set<String>) throws -> Int {
        var deleted = 0
        for name in FileSystem.directoryEntries(directory) where FileSystem.kind(directory + "/" + name) == S_IFREG {
            let archive = name.hasSuffix(".sha256") ? String(name.dropLast(".sha256".count)) : name
            guard archive.hasPrefix("go"), archive.hasSuffix(".tar.gz"), !selected.contains(archive) else { continue }
            if unlink(directory + "/" + name) == 0 {
                if !name.hasSuffix(".sha256") {
                    deleted += 1
                    context.reporter.info("\(name): deleted (no longer selected)")
                }
            }
        }
        for name in FileSystem.directoryEntries(directory + "/.partial") where !selected.contains(String(name.dropLast(".partial".count))) {
            unlink(directory + "/.partial/" + name)
        }
        return deleted
    }

    /// `DIR/index.json`: the upstream index restricted to the archives DIR holds (present
    /// with the index's size), newest release first, in go.dev's JSON shape.
    private func writeIndex(_ index: ReleaseIndex) throws {
        struct File: Encodable {
            var filename, os, arch, version, sha256, kind: String
            var size: Int64
        }
        struct Entry: Encodable {
            var version: String
            var stable: Bool
            var files: [File]
        }
        var entries: [Entry] = []
        for release in index.releases {
            let files = release.files.filter { file in
                guard file.kind == "archive", file.hasDigest else { return false }
                var info = stat()
                return lstat(directory + "/" + file.filename, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
                    && Int64(info.st_size) == file.size
            }
            if files.isEmpty { continue }
            entries.append(Entry(version: release.version.name, stable: release.stable, files: files.map {
                File(filename: $0.filename, os: $0.os, arch: $0.arch, version: release.version.name,
                     sha256: $0.sha256.lowercased(), kind: $0.kind, size: $0.size)
            }))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileSystem.writeFileAtomically(directory + "/index.json", Array(try encoder.encode(entries)), mode: 0o644)
    }
}
