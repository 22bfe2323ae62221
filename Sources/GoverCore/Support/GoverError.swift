/// The one error type of gover. Every case renders as a single `error:` line that says
/// what failed, where, and what to do next; the exit code is derived here, in one place.
public enum GoverError: Error, Equatable, Sendable {
    case invalidSelector(String)
    case versionNotFound(selector: String, nearest: [String])
    case notInstalled(selector: String, installed: [String])
    case noArchiveForPlatform(version: String, platform: String, available: [String])
    case missingChecksum(file: String)
    case noCurrentVersion
    case activeVersion(String)
    case invalidArchiveName(String)
    case network(url: String, reason: String)
    case httpStatus(url: String, status: Int)
    case offlineWithoutCache(indexURL: String)
    case indexUnreadable(source: String, reason: String)
    case checksumMismatch(file: String, expected: String, actual: String)
    case sizeMismatch(file: String, expected: Int64, actual: Int64)
    case corruptArchive(file: String, reason: String)
    case unsafeArchive(entry: String, reason: String)
    case filesystem(path: String, operation: String, errno: Int32)
    case storeNotWritable(path: String, reason: String)
    case interrupted(signal: Int32)
    case missingLibrary(name: String, reason: String, package: String)
    case unknownShell(String)
    case rcFileReadOnly(path: String, block: String)
    case rcBlockDamaged(path: String)
    case invalidPinFile(path: String, line: Int, reason: String)
    case noPin(directory: String)
    case pinNotSatisfied(pin: String, file: String, installed: [String])
    case execFailed(command: String, errno: Int32)
    case outOfInodes(path: String, entry: String)
    // Issue 9 (hostile servers and indexes):
    /// A numeric environment variable that is not a number in its documented range.
    case invalidEnvironment(name: String, value: String, expected: String)
    /// The release has only a `.zip` archive for the platform (Windows), which gover cannot install.
    case zipArchiveOnly(version: String, platform: String)
    /// Nothing matched in an index that looks like go.dev's default one (the newest patch of
    /// at most two minor lines): the server ignored `include=all`.
    case partialIndex(selector: String, url: String, listed: [String])
    // Hostile local state (issue 9): the store's own entries, its owners, what is read.
    case unsafeStoreEntry(path: String, found: String)
    case unsafeStore(path: String, reason: String)
    case invalidStoreRoot(path: String, reason: String)
    case badCurrentLink(path: String, problem: String)
    case notRegularFile(path: String, kind: String)
    case fileTooLarge(path: String, size: Int64, limit: Int64)
    case invalidPlatform(option: String, value: String)
    // Toolchains from a module proxy, verified by the Go checksum database (issue 12):
    /// GOPROXY or GOSUMDB cannot be parsed, or names something gover cannot use.
    case invalidModuleSetting(name: String, value: String, reason: String)
    /// GOSUMDB=off (or GOPROXY=off) where a toolchain module needs it.
    case moduleSourceDisabled(setting: String, reason: String)
    /// The checksum database could not be reached or answered with an error status.
    case checksumDatabaseUnavailable(name: String, reason: String)
    /// The checksum database answered, and its answer does not prove what it must: a bad
    /// signature, a record not in the signed tree, a tree that forks from the cached one.
    case checksumDatabaseRejected(name: String, reason: String)
    /// The database's signed log has no line for exactly this module version.
    case noChecksumRecord(database: String, module: String)
    /// What was extracted does not hash to the database's `h1:` line.
    case moduleHashMismatch(module: String, expected: String, actual: String)

    /// Exit statuses, documented in the README and in `gover --help`.
    public enum ExitStatus: Int32, CaseIterable, Sendable {
        case failure = 1
        case usage = 2
        case notFound = 3
        case network = 4
        case integrity = 5
        case unsafeArchive = 6
        case filesystem = 7

        public var meaning: String {
            switch self {
            case .failure: return "other failure"
            case .usage: return "invalid arguments or selector"
            case .notFound: return "version not found, not installed, or no archive for this platform"
            case .network: return "network or HTTP error, or index unavailable"
            case .integrity: return "checksum or size mismatch, corrupt archive"
            case .unsafeArchive: return "archive refused as unsafe (path escape, device node, ...)"
            case .filesystem: return "filesystem error (permissions, read-only store, disk full)"
            }
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .invalidSelector, .invalidArchiveName, .unknownShell, .invalidPinFile, .noPin, .invalidEnvironment:
            return ExitStatus.usage.rawValue
        case .versionNotFound, .notInstalled, .noArchiveForPlatform, .noCurrentVersion, .pinNotSatisfied,
             .zipArchiveOnly, .partialIndex:
            return ExitStatus.notFound.rawValue
        case .network, .httpStatus, .offlineWithoutCache, .indexUnreadable: return ExitStatus.network.rawValue
        case .checksumMismatch, .sizeMismatch, .corruptArchive, .missingChecksum: return ExitStatus.integrity.rawValue
        case .unsafeArchive: return ExitStatus.unsafeArchive.rawValue
        case .filesystem, .storeNotWritable, .rcFileReadOnly, .outOfInodes: return ExitStatus.filesystem.rawValue
        case .activeVersion, .rcBlockDamaged, .missingLibrary: return ExitStatus.failure.rawValue
        // As shells report them: 127 command not found, 126 found but not runnable.
        case .execFailed(_, let code): return code == ENOENT ? 127 : 126
        case .invalidPlatform: return ExitStatus.usage.rawValue
        case .invalidModuleSetting, .moduleSourceDisabled: return ExitStatus.usage.rawValue
        case .checksumDatabaseUnavailable: return ExitStatus.network.rawValue
        case .checksumDatabaseRejected, .noChecksumRecord, .moduleHashMismatch: return ExitStatus.integrity.rawValue
        // A relative GOVER_ROOT is a setting to fix (usage); a file in its place, the filesystem.
        case .invalidStoreRoot(let path, _): return path.hasPrefix("/") ? ExitStatus.filesystem.rawValue : ExitStatus.usage.rawValue
        case .unsafeStoreEntry, .unsafeStore, .badCurrentLink, .notRegularFile, .fileTooLarge:
            return ExitStatus.filesystem.rawValue
        case .interrupted(let signal): return 128 + signal
        }
    }

    public var message: String {
        switch self {
        case .invalidSelector(let text):
            return "'\(terminalSafe(text))' is not a Go version selector; use e.g. 1.22.5, go1.22.5, 1.22, 1.23rc1 or latest"
        case .versionNotFound(let selector, let nearest):
            let hint = nearest.isEmpty ? "" : "; nearest: \(nearest.joined(separator: ", "))"
            return "no Go release matches '\(terminalSafe(selector))'\(hint) (see `gover list --remote`)"
        case .notInstalled(let selector, let installed):
            let have = installed.isEmpty ? "none installed" : "installed: \(installed.joined(separator: ", "))"
            return "no installed version matches '\(selector)' (\(have)); run `gover install \(selector)` or `gover use --install \(selector)`"
        case .noArchiveForPlatform(let version, let platform, let available):
            let list = available.isEmpty ? "" : "; it has archives for \(available.joined(separator: ", "))"
            return "\(version) has no archive for \(terminalSafe(platform))\(list) (choose another with --os/--arch)"
        case .missingChecksum(let file):
            return "the index has no SHA256 digest (or no size) for \(terminalSafe(file)); pass a digest you trust with --sha256 HEX"
        case .noCurrentVersion:
            return "no Go version is active; run `gover use <version>` (see `gover list`)"
        case .activeVersion(let version):
            return "\(version) is the active version; `gover use` another first, or pass --force"
        case .invalidArchiveName(let name):
            return "cannot tell the Go version from '\(terminalSafe(name))'; expected a name like go1.22.5.linux-amd64.tar.gz, or give the version: `gover install 1.22.5 --file \(terminalSafe(name))`"
        case .network(let url, let reason):
            return "download of \(terminalSafe(url)) failed: \(terminalSafe(reason))"
        case .httpStatus(let url, let status):
            return "\(terminalSafe(url)) answered HTTP \(status)" + (status == 404 ? " (not on this mirror; check GOVER_MIRROR)" : "")
        case .offlineWithoutCache(let indexURL):
            return "offline, and no cached release index for \(indexURL); run once without --offline"
        case .indexUnreadable(let source, let reason):
            return "the release index from \(terminalSafe(source)) is unreadable: \(terminalSafe(reason))"
        case .checksumMismatch(let file, let expected, let actual):
            return "SHA256 mismatch for \(terminalSafe(file)): expected \(terminalSafe(expected)), got \(terminalSafe(actual)); the download is corrupt or was tampered with, nothing was installed"
        case .sizeMismatch(let file, let expected, let actual):
            return "size mismatch for \(terminalSafe(file)): the index says \(expected) bytes, received \(actual); nothing was installed"
        case .corruptArchive(let file, let reason):
            return "\(terminalSafe(file)) is not a valid Go archive: \(terminalSafe(reason)); nothing was installed"
        case .unsafeArchive(let entry, let reason):
            return "archive refused: entry '\(terminalSafe(entry))' \(terminalSafe(reason)); nothing was installed"
        case .filesystem(let path, let operation, let code):
            let reason = errorString(code)
            let hint = code == ENOSPC ? " (disk full: free some space and retry)" : ""
            return "cannot \(operation) \(path): \(reason)\(hint)"
        case .storeNotWritable(let path, let reason):
            return "the store \(path) is not writable (\(reason)); set GOVER_ROOT to a writable directory"
        case .missingLibrary(let name, let reason, let package):
            return "cannot load \(name) (\(reason)); install it, e.g. `apt-get install \(package)`"
        case .interrupted(let signal):
            return "interrupted by \(signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)"); nothing was changed"
        case .unknownShell(let name):
            return "cannot tell which shell '\(name)' is; pass --shell bash, zsh, fish or sh"
        case .rcFileReadOnly(let path, let block):
            return "\(path) is read-only, nothing was changed; add these lines at its end by hand (or make it writable and run `gover init` again):\n\(block)"
        case .rcBlockDamaged(let path):
            return "\(path) has a `# >>> gover >>>` line without a matching `# <<< gover <<<` line; delete the partial block by hand, then run `gover init` again"
        case .invalidPinFile(let path, let line, let reason):
            return "\(terminalSafe(path)):\(line): \(terminalSafe(reason)); write one version such as 1.22.5, go1.22.5 or 1.22, or name one: `gover use 1.22`"
        case .noPin(let directory):
            return "no version given, and no .go-version, go.work, go.mod or .tool-versions in \(terminalSafe(directory)) or above; name one, e.g. `gover use 1.22`"
        case .pinNotSatisfied(let pin, let file, let installed):
            let have = installed.isEmpty ? "none installed" : "installed: \(installed.joined(separator: ", "))"
            return "\(terminalSafe(file)) asks for \(pin) and no installed version satisfies it (\(have)); run `gover install` (it reads the same file) or `gover use --install`"
        case .execFailed(let command, let code):
            let hint = code == ENOENT ? " (not found on PATH)" : ""
            return "cannot run \(command): \(errorString(code))\(hint)"
        case .outOfInodes(let path, let entry):
            return "cannot create \(entry) in \(path): the filesystem is out of inodes (no free file slots, though there may be free space); remove files there (e.g. `gover uninstall` old versions) or use a filesystem with more inodes; nothing was installed"
        case .invalidEnvironment(let name, let value, let expected):
            return "\(name)=\(terminalSafe(value)) is not valid: expected \(expected); fix or unset it"
        case .zipArchiveOnly(let version, let platform):
            return "\(version) has only a .zip archive for \(terminalSafe(platform)), and gover installs .tar.gz archives only (Windows releases are not supported); choose another platform with --os/--arch"
        case .partialIndex(let selector, let url, let listed):
            return "no Go release matches '\(terminalSafe(selector))' in the index from \(terminalSafe(url)), which lists only \(listed.joined(separator: ", ")): it looks like go.dev's default index (the newest patch of two minor lines), so the server ignored `include=all`; point GOVER_INDEX_URL at a complete index, e.g. \(MirrorSources.officialIndex)"
        case .unsafeStoreEntry(let path, let found):
            return "refusing \(path): it is \(found), and gover never follows or empties what the store's own entries point at; nothing was changed. If you did not put it there, remove it (`rm \(path)`) and retry"
        case .unsafeStore(let path, let reason):
            return "refusing the store \(path): \(reason), so another user could replace the Go it runs; nothing was changed. Fix the owner or mode (e.g. `chmod go-w DIR`), use another GOVER_ROOT, or set GOVER_ALLOW_SHARED_STORE=1 if the store is shared on purpose"
        case .invalidStoreRoot(let path, let reason):
            return "GOVER_ROOT=\(path) \(reason); set GOVER_ROOT to the absolute path of a directory (or unset it for ~/.local/goversions)"
        case .badCurrentLink(let path, let problem):
            return "\(path) \(problem), so no installed version is active; run `gover use <version>` to point it at one (see `gover list`)"
        case .notRegularFile(let path, let kind):
            return "refusing to read \(path): it is \(kind), not a regular file; replace it with a regular file (or a symlink to one)"
        case .fileTooLarge(let path, let size, let limit):
            return "refusing to read \(path): \(size) bytes is more than the \(limit) bytes such a file may have"
        case .invalidPlatform(let option, let value):
            return "\(option) '\(value)' is not a Go platform name: lowercase letters and digits only, e.g. --os linux, darwin, windows; --arch amd64, arm64, 386, armv6l"
        case .invalidModuleSetting(let name, let value, let reason):
            return "\(name)=\(terminalSafe(value)) cannot be used: \(terminalSafe(reason))"
        case .moduleSourceDisabled(let setting, let reason):
            return "\(setting): \(reason)"
        case .checksumDatabaseUnavailable(let name, let reason):
            return "cannot reach the checksum database \(terminalSafe(name)): \(terminalSafe(reason)); nothing was installed (check GOSUMDB and GOPROXY, or run `gover doctor`)"
        case .checksumDatabaseRejected(let name, let reason):
            return "the checksum database \(terminalSafe(name)) gave an answer that does not verify: \(terminalSafe(reason)); nothing was installed"
        case .noChecksumRecord(let database, let module):
            return "the checksum database \(terminalSafe(database)) has no record for \(terminalSafe(module)), so it cannot be verified; nothing was installed"
        case .moduleHashMismatch(let module, let expected, let actual):
            return "\(terminalSafe(module)) does not match the checksum database: it records \(terminalSafe(expected)), the download hashes to \(terminalSafe(actual)); it is corrupt or was tampered with, nothing was installed"
        }
    }
}

extension GoverError: CustomStringConvertible {
    public var description: String { message }
}
