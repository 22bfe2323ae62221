import Crypto

/// What `gover install` will fetch, worked out before anything is written.
public struct InstallPlan: Sendable {
    /// What is downloaded, and what proves it genuine.
    public enum Artifact: Sendable, Equatable {
        /// A go.dev `.tar.gz`, checked against the index's SHA256 (lowercase hex).
        case releaseArchive(sha256: String)
        /// A `golang.org/toolchain` module zip from a module proxy (`v0.0.1-go1.22.5.linux-amd64`),
        /// checked only against the checksum database's `h1:` line for exactly that version.
        case toolchainModule(version: String)
    }

    public var version: GoVersion
    /// Checked to be one plain path component (it names the cached copy and ends URLs).
    public var filename: PlainFilename
    /// The file on each mirror, in the order they are tried.
    public var urls: [String]
    public var url: String { urls[0] }
    public var artifact: Artifact
    /// Expected size; nil when unknown (a local file the index does not list, a module zip).
    public var size: Int64?

    public init(version: GoVersion, filename: PlainFilename, urls: [String], sha256: String, size: Int64?) {
        self.init(version: version, filename: filename, urls: urls, artifact: .releaseArchive(sha256: sha256), size: size)
    }

    public init(version: GoVersion, filename: PlainFilename, urls: [String], artifact: Artifact, size: Int64?) {
        self.version = version
        self.filename = filename
        self.urls = urls
        self.artifact = artifact
        self.size = size
    }

    /// The index's SHA256 of a release archive; nil for a module zip.
    public var sha256: String? {
        if case .releaseArchive(let digest) = artifact { return digest }
        return nil
    }

    /// The toolchain module version the checksum database knows this toolchain by.
    public func moduleVersion(platform: Platform) -> String {
        if case .toolchainModule(let version) = artifact { return version }
        return ToolchainModule.version(of: version, platform: platform)
    }
}

public enum InstallOutcome: Sendable, Equatable {
    case installed(GoVersion)
    case alreadyInstalled(GoVersion)
}

/// The install pipeline: index → plan → one streaming pass (download, SHA256, extract into
/// staging) → verify → rename into place.
///
/// Bytes flow from libcurl (on its own thread, where they are also hashed and counted)
/// through a bounded `StreamBuffer` into libarchive (on the calling thread), so extraction
/// overlaps the download and nothing is written outside the store's staging directory
/// until the SHA256 of the complete stream matches the index.
public struct Installer {
    public let context: GoverContext

    public init(context: GoverContext) {
        self.context = context
    }

    private var store: Store { context.store }
    private var reporter: Reporter { context.reporter }

    /// Resolves a selector against the index for this platform.
    public func plan(selector text: String, index: ReleaseIndex, sha256 override: String? = nil) throws -> InstallPlan {
        let selector = try VersionSelector(parsing: text)
        let release = try index.resolve(selector, selectorText: text)
        if let proxies = context.sources.moduleProxies {
            return try modulePlan(release, proxies: proxies, override: override)
        }
        guard let file = release.archive(for: context.platform) else {
            if release.archives(for: context.platform).contains(where: { $0.filename.hasSuffix(".zip") }) {
                throw GoverError.zipArchiveOnly(version: release.version.name, platform: context.platform.description)
            }
            throw GoverError.noArchiveForPlatform(version: release.version.name, platform: context.platform.description,
                                                  available: release.archivePlatforms)
        }
        let filename = try Self.plainFilename(file.filename)
        let digest = try expectedDigest(indexFile: file, override: override)
        return InstallPlan(version: release.version, filename: filename, urls: context.sources.urls(of: filename.value),
                           sha256: digest, size: file.size > 0 ? file.size : nil)
    }

    /// A toolchain module from the GOPROXY list: the zip at each proxy in turn, no digest
    /// in the plan (the checksum database is asked under the store lock, before the download).
    private func modulePlan(_ release: Release, proxies: ModuleProxyList, override: String?) throws -> InstallPlan {
        if override != nil {
            throw GoverError.invalidSelector("--sha256 (a toolchain from a module proxy is verified by the checksum database, not by a SHA256 of its zip)")
        }
        guard release.toolchainModule(for: context.platform) != nil else {
            throw GoverError.noArchiveForPlatform(version: release.version.name, platform: context.platform.description,
                                                  available: release.files.map { "\($0.os)-\($0.arch)" })
        }
        let moduleVersion = ToolchainModule.version(of: release.version, platform: context.platform)
        let filename = try PlainFilename(moduleVersion + ".zip", suffix: ".zip")
        let urls = proxies.baseURLs.map { ToolchainModuleIndex.zipURL(proxy: $0, moduleVersion: moduleVersion) }
        if urls.isEmpty { _ = try proxies.tryEach { _ in () } }
        return InstallPlan(version: release.version, filename: filename, urls: urls,
                           artifact: .toolchainModule(version: moduleVersion), size: nil)
    }

    /// A local archive (`--file`): verified against the index when it lists the file, else
    /// against `--sha256`.
    public func plan(localFile path: String, selector text: String?, index: ReleaseIndex?, sha256 override: String?) throws -> InstallPlan {
        let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        var info = stat()
        guard stat(absolute, &info) == 0 else {
            throw GoverError.filesystem(path: absolute, operation: "read", errno: errno)
        }
        let name = String(absolute.split(separator: "/").last ?? "")
        // A local name may be anything (`./go.tgz` with a version given), but it still names
        // the cached copy with --keep-archive and is printed.
        guard let filename = try? PlainFilename(name) else { throw GoverError.invalidArchiveName(name) }
        let url = "file://" + percentEncodePath(absolute)
        if let (release, file) = index?.file(named: name) {
            return InstallPlan(version: release.version, filename: filename, urls: [url],
                               sha256: try expectedDigest(indexFile: file, override: override), size: file.size)
        }
        let version: GoVersion
        if let text {
            guard case .exact(let exact) = try VersionSelector(parsing: text) else {
                throw GoverError.invalidSelector("\(text) (with --file, give an exact version such as 1.22.5)")
            }
            version = exact
        } else if let parsed = Self.version(fromArchiveName: name) {
            version = parsed
        } else {
            throw GoverError.invalidArchiveName(name)
        }
        guard let override else { throw GoverError.missingChecksum(file: name) }
        return InstallPlan(version: version, filename: filename, urls: [url], sha256: try Self.normalizedDigest(override),
                           size: Int64(info.st_size))
    }

    /// `go1.22.5.linux-amd64.tar.gz` → go1.22.5.
    public static func version(fromArchiveName name: String) -> GoVersion? {
        guard name.hasPrefix("go"), name.hasSuffix(".tar.gz") else { return nil }
        let stem = name.dropLast(".tar.gz".count)
        guard let dot = stem.lastIndex(of: "."), stem[stem.index(after: dot)...].contains("-") else { return nil }
        return GoVersion(String(stem[..<dot]))
    }

    /// The index was checked when decoded (`ReleaseFile.problem`); the archive must also be a `.tar.gz`.
    static func plainFilename(_ name: String) throws -> PlainFilename {
        do {
            return try PlainFilename(name, suffix: ".tar.gz")
        } catch {
            throw GoverError.indexUnreadable(source: "the index", reason: error.message)
        }
    }

    private func expectedDigest(indexFile file: ReleaseFile, override: String?) throws -> String {
        if file.hasDigest {
            let indexDigest = file.sha256.lowercased()
            // A digest given by the user must agree with the index; the index stays the authority.
            if let override, try Self.normalizedDigest(override) != indexDigest {
                throw GoverError.checksumMismatch(file: file.filename, expected: indexDigest, actual: override.lowercased())
            }
            return indexDigest
        }
        guard let override else { throw GoverError.missingChecksum(file: file.filename) }
        return try Self.normalizedDigest(override)
    }

    static func normalizedDigest(_ text: String) throws -> String {
        let digest = text.trimmingWhitespace().lowercased()
        guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
            throw GoverError.invalidSelector("--sha256 \(text) (expected 64 hexadecimal digits)")
        }
        return digest
    }

    /// Opens libcurl, libarchive and (unless zlib is asked for) libisal on a thread of their
    /// own, while the caller reads the index and plans: ~6 ms of `dlopen` and library
    /// start-up (OpenSSL, GnuTLS, ICU...) an install would otherwise wait for before its
    /// first byte. Nothing is reported from there: `install` asks again (the answers are
    /// kept) and fails where it always did. Wait for it before exiting.
    public func loadLibrariesInBackground() -> BackgroundWork {
        let inflater = context.inflater
        return BackgroundWork {
            _ = try? HTTPClient.requireLibrary()
            _ = try? ArchiveLibrary.require()
            if inflater != .zlib { _ = Inflater.resolve(inflater) }
        }
    }

    /// Installs a planned version. Idempotent: an installed version is reported, not
    /// reinstalled, unless `force`. Takes the store lock for the whole operation, so a
    /// concurrent install of the same version waits and then finds it installed.
    /// `holding`: the store lock the caller already holds (`upgrade` takes it once for all
    /// its installs; flock(2) would block on a second lock from this process).
    public func install(_ plan: InstallPlan, force: Bool = false, keepArchive: Bool = false,
                        holding heldLock: StoreLock? = nil) throws -> InstallOutcome {
        // Both libraries are opened lazily: a missing one is reported before "Downloading ...".
        try HTTPClient.requireLibrary()
        try ArchiveLibrary.require()
        try store.prepareForWriting()
        if !force && store.isInstalled(plan.version) { return .alreadyInstalled(plan.version) }
        let monitor = InterruptMonitor.shared
        let lock = try heldLock ?? context.lockStore()
        defer { withExtendedLifetime(lock) {} }
        if !force && store.isInstalled(plan.version) { return .alreadyInstalled(plan.version) }

        // Before the download: a database that cannot vouch for this version stops it here.
        let expectedModuleHash = try self.expectedModuleHash(for: plan)
        crossCheckCompanionDigest(plan)
        var restarts = 0
        while true {
            let staging = try store.makeStagingDirectory(for: plan.version)
            do {
                try streamIntoStaging(plan, staging: staging, keepArchive: keepArchive, expectedModuleHash: expectedModuleHash)
                if let interruption = monitor.interruption { throw interruption }
                try store.promote(staging + "/go", as: plan.version)
                store.syncCommands()
                try? FileSystem.removeTree(staging)
                return .installed(plan.version)
            } catch let restart as RestartRequired where restarts < context.retryPolicy.retries {
                // Never splice two different files: discard what was unpacked, start again.
                try? FileSystem.removeTree(staging)
                restarts += 1
                reporter.warning("\(restart.reason); starting over (\(restarts)/\(context.retryPolicy.retries))")
            } catch let restart as RestartRequired {
                try? FileSystem.removeTree(staging)
                throw GoverError.network(url: plan.url, reason: restart.reason)
            } catch {
                try? FileSystem.removeTree(staging)
                throw error
            }
        }
    }

    /// Mirrors often publish `<file>.sha256`. It is never trusted on its own (it comes from
    /// the same host as the file), but disagreeing with the index is worth a warning. Best
    /// effort, and cheap whatever the mirror does: at most 4 KiB, 5 s, no retry; any
    /// failure is silence (the digest that decides comes from the index).
    private func crossCheckCompanionDigest(_ plan: InstallPlan) {
        guard let sha256 = plan.sha256 else { return }
        let url = plan.url
        guard !url.hasPrefix(MirrorSources.officialFiles), !url.hasPrefix("file://") else { return }
        guard let (_, body) = try? context.http.fetch(url + ".sha256", limit: HTTPClient.companionSizeLimit,
                                                       timeoutSeconds: HTTPClient.companionTimeoutSeconds) else { return }
        let text = String(decoding: body, as: UTF8.self).trimmingWhitespace()
        let digest = String(text.prefix(while: { !$0.isWhitespace })).lowercased()
        guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else { return }
        if digest != sha256 {
            reporter.warning("\(terminalSafe(url)).sha256 says \(digest) but the index says \(sha256); the index is what gover checks against")
        }
    }

    /// The `h1:` the unpacked tree must hash to, from the checksum database: always for a
    /// module zip (nothing else vouches for it); for a go.dev archive only when asked
    /// (`--verify-sumdb`), and only for releases published as modules.
    private func expectedModuleHash(for plan: InstallPlan) throws -> VerifiedModuleHash? {
        let moduleVersion = plan.moduleVersion(platform: context.platform)
        switch plan.artifact {
        case .toolchainModule:
            return try context.verifiedModuleHash(moduleVersion: moduleVersion, purpose: "a toolchain from a module proxy")
        case .releaseArchive:
            guard context.verifyWithChecksumDatabase else { return nil }
            guard ToolchainModule.isPublished(plan.version) else {
                reporter.warning("\(plan.version.name) is not in the checksum database (toolchains are published as modules from \(ToolchainModule.firstRelease.name) on): it is verified by the index's SHA256 only")
                return nil
            }
            return try context.verifiedModuleHash(moduleVersion: moduleVersion, purpose: "--verify-sumdb")
        }
    }

    /// A module zip's size is not known in advance. The go command's own limit for a module
    /// (x/mod `zip.MaxZipFile`) holds for the zip and for its unpacked files alike: 500 MiB
    /// (a toolchain zip is ~70 MB, ~230 MB unpacked).
    static let moduleZipSizeLimit: Int64 = 500 << 20

    /// The one pass: download ⇉ (SHA256, size) and ⇉ extraction, then verification.
    private func streamIntoStaging(_ plan: InstallPlan, staging: String, keepArchive: Bool,
                                   expectedModuleHash: VerifiedModuleHash?) throws {
        // download ⇉ `pipe` (gzip) ⇉ decoder thread ⇉ `tar` ⇉ extractor (this thread);
        // a module zip: download ⇉ `pipe` ⇉ extractor (libarchive inflates each entry).
        let pipe = StreamBuffer()
        let isModuleZip = plan.sha256 == nil
        let tar = isModuleZip ? pipe : StreamBuffer()
        let layout: ArchiveLayout = isModuleZip ? .toolchainModuleZip(moduleVersion: plan.moduleVersion(platform: context.platform))
                                                : .releaseTarball(moduleVersion: expectedModuleHash.map { _ in plan.moduleVersion(platform: context.platform) })
        let state = DownloadState()
        let transferred = ArchiveDownload.Progress()
        let expectedSize = plan.size
        let sizeLimit = expectedSize ?? (isModuleZip ? Self.moduleZipSizeLimit : nil)
        let policy = isModuleZip ? ExtractionPolicy(maxExpandedBytes: Self.moduleZipSizeLimit)
                                 : ExtractionPolicy.forArchive(ofSize: expectedSize ?? 256 << 20)
        let archiveCopy = keepArchive ? try ArchiveCopy(directory: store.cacheDirectory + "/archives", filename: plan.filename) : nil
        let reporter = self.reporter
        let (inflater, isalUnavailable) = Inflater.resolve(context.inflater)
        if let isalUnavailable {
            reporter.warning("GOVER_INFLATE=isal: cannot load ISA-L (\(terminalSafe(isalUnavailable))); inflating with zlib")
        }
        reporter.info("Downloading \(plan.version.name) (\(plan.size.map(formatBytes) ?? "size unknown")) from \(terminalSafe(plan.url))")
        reporter.beginProgress("  \(plan.filename)")

        let download = ArchiveDownload(urls: plan.urls, http: context.http, policy: context.retryPolicy, reporter: reporter,
                                       timeoutSeconds: context.http.settings.downloadTimeout(forSize: plan.size),
                                       expectedSize: plan.size)
        let thread = DetachedThread {
            var hasher = SHA256()
            do {
                try download.run(progress: transferred, consume: { chunk in
                    // `delivered` already counts this chunk; more than the index says is a
                    // different (or endless) file: stop here.
                    if let sizeLimit, transferred.delivered > sizeLimit { return false }
                    if !isModuleZip { hasher.update(bufferPointer: chunk) }
                    archiveCopy?.write(chunk)
                    return pipe.write(chunk)
                }, onProgress: { received, total in
                    reporter.progress(received: received, total: expectedSize ?? total)
                    return !pipe.isCancelled
                })
                state.digest.withLock { $0 = hasher.finalize().map { byteHex($0) }.joined() }
                pipe.finish()
            } catch {
                state.failure.withLock { $0 = error }
                pipe.finish(error: error)
            }
        }

        let decoder = isModuleZip ? nil : DetachedThread {
            do {
                // Headers and padding add a little to what the entries declare.
                try GzipDecoder.decode(from: pipe, into: tar, limit: policy.maxExpandedBytes + (64 << 20),
                                        using: inflater)
                tar.finish()
            } catch {
                tar.finish(error: error)
            }
        }

        var extractionError: Error?
        var summary = ExtractionSummary()
        InterruptMonitor.shared.whileRunning(onInterrupt: {
            let interruption = InterruptMonitor.shared.interruption ?? GoverError.interrupted(signal: SIGINT)
            tar.cancel(interruption)
            pipe.cancel(interruption)
        }) {
            thread.start()
            decoder?.start()
            do {
                summary = try ArchiveExtractor.extract(from: tar, gzipped: false, layout: layout, into: staging, policy: policy)
                if isModuleZip {
                    // libarchive's streaming zip reader stops at the central directory: the
                    // rest of the transfer is read (not kept) so that it ends normally.
                    try pipe.drain()
                } else {
                    // libarchive stops at the end-of-archive marker. The hash needs every
                    // compressed byte, but nothing after the marker is worth inflating (8 GB
                    // of zeros there would cost minutes): the decoder now only reads on.
                    tar.closeReading()
                    decoder?.join()
                }
            } catch {
                extractionError = error
                if isModuleZip {
                    // Nothing checks the zip as a whole: stop the download at once.
                    pipe.cancel(error)
                } else {
                    tar.cancel(error)
                    if Self.shouldVerifyAfter(error) {
                        // A malformed archive is most often a corrupt download: finish the
                        // transfer so the checksum can say so.
                        decoder?.join()
                        try? pipe.drain()
                    } else {
                        // Disk full, Ctrl-C: stop the download too, at once (the decoder may
                        // be waiting for its next bytes).
                        pipe.cancel(error)
                        decoder?.join()
                    }
                }
            }
            thread.join()
        }
        reporter.clearProgressLine()

        if let interruption = InterruptMonitor.shared.interruption { throw interruption }
        // The download thread has ended: its byte count can be read.
        let received = transferred.delivered
        if let expectedSize, received > expectedSize {
            throw GoverError.sizeMismatch(file: plan.filename.value, expected: expectedSize, actual: received)
        }
        if let sizeLimit, received > sizeLimit {
            throw GoverError.network(url: plan.url, reason: "the file is larger than \(formatBytes(sizeLimit)), more than any Go toolchain; stopped reading")
        }
        // A disk error stopped the transfer, not the other way round: report it first.
        switch extractionError {
        case let error as GoverError where error.exitCode == GoverError.ExitStatus.filesystem.rawValue: throw error
        default: break
        }
        switch state.failure.current {
        case let restart as RestartRequired: throw restart
        case let failure as TransferError where failure.kind != .aborted: throw failure.goverError
        case let failure as GoverError: throw failure
        default: break
        }
        // A transfer error reached the extractor through the decoder; it is reported above.
        if let extractionError, !Self.shouldVerifyAfter(extractionError) { throw extractionError }
        if let expectedSize, received != expectedSize {
            throw GoverError.sizeMismatch(file: plan.filename.value, expected: expectedSize, actual: received)
        }
        let digest = state.digest.current ?? ""
        if let sha256 = plan.sha256, digest != sha256 {
            throw GoverError.checksumMismatch(file: plan.filename.value, expected: sha256, actual: digest)
        }
        if let extractionError { throw extractionError }
        if let expectedModuleHash {
            // What was written, file by file, is what the public log recorded.
            guard let actual = summary.moduleHash, actual == expectedModuleHash.hash else {
                throw GoverError.moduleHashMismatch(module: expectedModuleHash.module, expected: expectedModuleHash.hash,
                                                    actual: summary.moduleHash ?? "nothing")
            }
        }
        archiveCopy?.commit(reporter: reporter)
        if plan.sha256 != nil { reporter.info("Verified SHA256 \(digest)") }
        if let expectedModuleHash {
            reporter.info("Verified \(expectedModuleHash.hash) against the checksum database \(terminalSafe(expectedModuleHash.database)) (\(expectedModuleHash.module))")
        }
    }

    private static func shouldVerifyAfter(_ error: Error) -> Bool {
        switch error {
        case GoverError.corruptArchive, GoverError.unsafeArchive: return true
        default: return false
        }
    }
}

/// What the download thread learns, read by the installer once the thread has ended.
private final class DownloadState: Sendable {
    let digest = Locked<String?>(nil)
    let failure = Locked<Error?>(nil)
}

/// `--keep-archive`: a copy of the downloaded bytes, moved into the cache only once verified.
/// The copy is a fresh file (`O_EXCL | O_NOFOLLOW`, random name): nothing that already exists
/// under `cache/` — a kept archive, a planted symlink — is opened, truncated or deleted
/// before the download is verified; then one `rename(2)` replaces the final name.
private final class ArchiveCopy: @unchecked Sendable {
    private let fd: Int32
    private let temporary: String
    private let destination: String

    init(directory: String, filename: PlainFilename) throws {
        try FileSystem.makeDirectories(directory)
        destination = directory + "/" + filename.value
        (fd, temporary) = try FileSystem.createTemporary(beside: destination)
    }

    private var failed: Int32?

    func write(_ chunk: UnsafeRawBufferPointer) {
        if failed == nil && !writeAll(chunk, to: fd) { failed = errno }
    }

    /// Keeps the copy, unless writing it failed (disk full): the install itself succeeded
    /// and must not fail for a cache.
    func commit(reporter: Reporter) {
        if let failed {
            reporter.warning("could not keep the archive in \(destination): \(errorString(failed))")
            return
        }
        do { try FileSystem.move(temporary, to: destination) } catch let error as GoverError {
            reporter.warning(error.message)
        } catch {}
    }

    deinit {
        close(fd)
        unlink(temporary)
    }
}

private let hexDigits = Array("0123456789abcdef")

func byteHex(_ byte: UInt8) -> String {
    String([hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
}

public func currentDirectory() -> String {
    guard let cwd = getcwd(nil, 0) else { return "." }
    defer { free(cwd) }
    return String(cString: cwd)
}

/// Percent-encodes a filesystem path for a `file://` URL.
func percentEncodePath(_ path: String) -> String {
    var result = ""
    for byte in path.utf8 {
        let c = Character(Unicode.Scalar(byte))
        if byte < 0x80 && (c.isLetter || c.isNumber || "/-._~".contains(c)) {
            result.append(c)
        } else {
            result += "%" + byteHex(byte).uppercased()
        }
    }
    return result
}
