/// The versioned store (`GOVER_ROOT`, default `~/.local/goversions`):
///
///     go1.22.5/        one complete Go tree per version, named as Go names it
///     go1.21.13/
///     current -> go1.22.5   relative symlink: the active version (`current/bin` goes on PATH)
///     bin/go1.22.5 -> ../go1.22.5/bin/go   one per version, for Go's own toolchain switching
///     cache/           the release index (and archives kept with --keep-archive)
///     .staging/        in-flight installs; anything here without a lock holder is debris
///     .lock            flock(2) target serialising every command that changes the store
///
/// A version directory appears only by `rename(2)` of a finished, verified tree, so a
/// directory named like a version is always complete. Nothing records an absolute path,
/// so the store can be moved or copied (`COPY --from=builder`).
public struct Store: Sendable {
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    /// A store gover creates serves every user (root's, in a Docker image): its directories
    /// are 0755 whatever the umask, like the trees in it, which keep the archive's modes.
    static let directoryMode: mode_t = 0o755

    public var currentLink: String { root + "/current" }
    public var cacheDirectory: String { root + "/cache" }
    var stagingDirectory: String { root + "/.staging" }
    var lockPath: String { root + "/.lock" }

    public func path(of version: GoVersion) -> String { root + "/" + version.name }

    public func goBinary(of version: GoVersion, tool: String = "go") -> String {
        path(of: version) + "/bin/" + tool
    }

    /// Installed versions, oldest first. Reads one directory; runs nothing.
    public func installedVersions() -> [GoVersion] {
        FileSystem.directoryEntries(root)
            .filter { $0.hasPrefix("go") }
            .compactMap { name -> GoVersion? in
                guard let version = GoVersion(name), version.name == name,
                      FileSystem.isDirectory(root + "/" + name) else { return nil }
                return version
            }
            .sorted()
    }

    public func isInstalled(_ version: GoVersion) -> Bool {
        FileSystem.isDirectory(path(of: version))
    }

    /// The active version, from the `current` symlink; nil when none is set or it dangles.
    public func currentVersion() -> GoVersion? {
        guard let target = FileSystem.readLink(currentLink) else { return nil }
        let name = target.split(separator: "/").last.map(String.init) ?? target
        guard let version = GoVersion(name), FileSystem.isDirectory(path(of: version)) else { return nil }
        return version
    }

    /// Creates the store's directories and proves it writable, before any download starts.
    public func prepareForWriting() throws {
        do {
            try FileSystem.makeDirectories(root, mode: Self.directoryMode)
            try FileSystem.makeDirectory(stagingDirectory)
        } catch GoverError.filesystem(_, _, let code) {
            throw GoverError.storeNotWritable(path: root, reason: errorString(code))
        }
        if access(root, W_OK) != 0 || access(stagingDirectory, W_OK) != 0 {
            throw GoverError.storeNotWritable(path: root, reason: errorString(errno))
        }
    }

    /// Takes the store's exclusive lock, telling the user if another gover holds it.
    public func lock(waitingMessage: (() -> Void)? = nil, shouldStop: () -> Error? = { nil }) throws -> StoreLock {
        try prepareForWriting()
        let lock = try StoreLock(path: lockPath, waitingMessage: waitingMessage, shouldStop: shouldStop)
        removeOrphanedStaging()
        syncCommands()
        return lock
    }

    /// Under the lock, everything in `.staging` belongs to a process that died (kill -9,
    /// power loss): it was never visible as a version, and is removed now.
    func removeOrphanedStaging() {
        for name in FileSystem.directoryEntries(stagingDirectory) {
            try? FileSystem.removeTree(stagingDirectory + "/" + name)
        }
    }

    /// A fresh private directory inside the store (same filesystem, so `rename` is atomic).
    func makeStagingDirectory(for version: GoVersion) throws -> String {
        var template = Array("\(stagingDirectory)/\(version.name)-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else {
            throw GoverError.filesystem(path: stagingDirectory, operation: "create a staging directory in", errno: errno)
        }
        // mkdtemp creates 0700; the finished tree must be readable by everyone (a store
        // made by root in a Docker image serves all users).
        let path = string(fromCString: template)
        chmod(path, 0o755)
        return path
    }

    /// Moves a finished tree into place. Any existing tree of that version (a `--force`
    /// reinstall) is first moved aside into staging, so the swap itself is two renames.
    func promote(_ tree: String, as version: GoVersion) throws {
        let destination = path(of: version)
        guard FileSystem.exists(destination) else {
            try FileSystem.move(tree, to: destination)
            FileSystem.syncDirectory(root)
            return
        }
        // A reinstall (--force): swap the trees in one step where the kernel can, so a
        // `current` pointing at this version never dangles; else two renames, the old tree
        // put back if the second fails.
        let aside = try makeStagingDirectory(for: version)
        defer { try? FileSystem.removeTree(aside) }
        if FileSystem.exchange(tree, destination) {
            FileSystem.syncDirectory(root)
            return
        }
        try FileSystem.makeWritable(destination)
        try FileSystem.move(destination, to: aside + "/old")
        do {
            try FileSystem.move(tree, to: destination)
        } catch {
            try? FileSystem.move(aside + "/old", to: destination)
            throw error
        }
        FileSystem.syncDirectory(root)
    }

    /// Points `current` at a version: a new symlink under a temporary name, then
    /// `rename(2)` over the old one, so there is no moment without a `current`.
    public func activate(_ version: GoVersion) throws {
        let temporary = "\(root)/.current-\(getpid())"
        unlink(temporary)
        if symlink(version.name, temporary) != 0 {
            throw GoverError.filesystem(path: temporary, operation: "create symlink", errno: errno)
        }
        do {
            try FileSystem.move(temporary, to: currentLink)
        } catch {
            unlink(temporary)
            throw error
        }
        FileSystem.syncDirectory(root)
    }

    /// Removes a version: renamed into staging first (it disappears at once, atomically),
    /// then deleted. A crash midway leaves only staging debris, cleaned on the next run.
    public func remove(_ version: GoVersion) throws {
        let aside = try makeStagingDirectory(for: version) + "/removed"
        // Its `bin/go1.X.Y` link goes first: it never points at a missing tree.
        unlinkCommand(for: version)
        // Moving a directory to another parent rewrites its `..`: it must be writable.
        try FileSystem.makeWritable(path(of: version))
        try FileSystem.move(path(of: version), to: aside)
        if currentVersion() == nil, FileSystem.readLink(currentLink) == version.name {
            unlink(currentLink)
        }
        try FileSystem.removeTree(FileSystem.parentPath(of: aside))
    }

    public func deactivate() {
        unlink(currentLink)
    }
}

/// An exclusive `flock(2)` on the store, released when the process exits however it exits.
public final class StoreLock {
    private let fd: Int32

    init(path: String, waitingMessage: (() -> Void)?, shouldStop: () -> Error?) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw GoverError.storeNotWritable(path: path, reason: errorString(errno)) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return }
        guard errno == EWOULDBLOCK else {
            let code = errno
            close(fd)
            throw GoverError.filesystem(path: path, operation: "lock", errno: code)
        }
        waitingMessage?()
        // Poll rather than block, so Ctrl-C while waiting is honoured promptly.
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if let reason = shouldStop() {
                close(fd)
                throw reason
            }
            usleep(50_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
