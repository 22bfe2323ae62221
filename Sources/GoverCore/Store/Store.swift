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
    /// The platform of the trees this value installs and recognises: this machine's, unless
    /// `install --os/--arch` prepares a tree for another one. Native trees are named as Go
    /// names the version (`go1.22.5`); a foreign tree carries its platform in its name
    /// (`go1.22.5.darwin-arm64`), so it is never listed, used or "already installed" as the
    /// native one.
    public var platform: Platform

    public init(root: String, platform: Platform = Store.nativePlatform) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        // An existing store is used by its real path: its own entries are opened without
        // following symlinks, and PATH (env, init) must not go through a link that someone
        // else could re-point later. A relative root stays as given, for checkSafe to refuse.
        if root.hasPrefix("/"), let real = try? FileSystem.realPath(root), FileSystem.isDirectory(real) {
            root = real
        }
        self.root = root
        self.platform = platform
    }

    /// The machine gover runs on (`uname` once per process).
    public static let nativePlatform = Platform.current

    /// A store gover creates serves every user (root's, in a Docker image): its directories
    /// are 0755 whatever the umask, like the trees in it, which keep the archive's modes.
    static let directoryMode: mode_t = 0o755

    /// The file in each tree naming the platform it was installed for (`linux-amd64`),
    /// written into staging before the tree is renamed into place.
    public static let platformMarker = ".gover-platform"

    public var currentLink: String { root + "/current" }
    public var cacheDirectory: String { root + "/cache" }
    var stagingDirectory: String { root + "/.staging" }
    var lockPath: String { root + "/.lock" }
    /// Whether this value's trees are for this machine (`use` and `current` only know those).
    public var isNative: Bool { platform == Self.nativePlatform }

    /// `go1.22.5`, or `go1.22.5.darwin-arm64` for a tree made for another platform.
    public func directoryName(of version: GoVersion) -> String {
        isNative ? version.name : version.name + "." + platform.description
    }

    public func path(of version: GoVersion) -> String { root + "/" + directoryName(of: version) }

    public func goBinary(of version: GoVersion, tool: String = "go") -> String {
        path(of: version) + "/bin/" + tool
    }

    /// Installed versions (working trees for this value's platform), oldest first. Reads one
    /// directory and a few `lstat`s; runs nothing.
    public func installedVersions() -> [GoVersion] {
        versionDirectories().filter { isInstalled($0) }.sorted()
    }

    /// Every entry named like a version of this platform, working or not.
    func versionDirectories() -> [GoVersion] {
        let suffix = isNative ? "" : "." + platform.description
        return FileSystem.directoryEntries(root).compactMap { name -> GoVersion? in
            guard name.hasPrefix("go"), name.hasSuffix(suffix) else { return nil }
            let base = String(name.dropLast(suffix.count))
            guard let version = GoVersion(base), version.name == base else { return nil }
            return version
        }
    }

    /// The one "is this a working install" predicate of `use`, `exec`, `list`, `current`
    /// and install's "already installed": a real directory (not a symlink) with a regular,
    /// executable `bin/go`, made for this value's platform. A tree without a platform marker
    /// (made by an older gover) counts as native.
    public func isInstalled(_ version: GoVersion) -> Bool {
        installProblem(version) == nil
    }

    /// Why a version directory is not a working install; nil when it is one.
    public func installProblem(_ version: GoVersion) -> String? {
        let tree = path(of: version)
        guard let kind = FileSystem.kind(tree) else { return "it does not exist" }
        guard kind == S_IFDIR else {
            let target = kind == S_IFLNK ? FileSystem.readLink(tree).map { " to \($0)" } ?? "" : ""
            return "\(tree) is \(FileSystem.describeKind(kind))\(target), not a directory"
        }
        guard FileSystem.kind(tree + "/bin") == S_IFDIR else { return "\(tree)/bin is missing or not a directory" }
        let go = tree + "/bin/go"
        guard let goKind = FileSystem.kind(go) else { return "\(go) is missing" }
        guard goKind == S_IFREG else { return "\(go) is \(FileSystem.describeKind(goKind)), not an executable file" }
        guard access(go, X_OK) == 0 else { return "\(go) is not executable" }
        let marked = recordedPlatform(of: tree)
        if let marked, marked != platform.description { return "\(tree) was installed for \(marked)" }
        if marked == nil && !isNative { return "\(tree) has no platform marker" }
        return nil
    }

    /// The platform a tree's marker names; nil without a (readable) marker.
    func recordedPlatform(of tree: String) -> String? {
        guard let bytes = try? FileSystem.readRegularFile(tree + "/" + Self.platformMarker, limit: 256, followSymlinks: false)
        else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        return text.isEmpty ? nil : text
    }

    /// Writes the platform marker into a tree (made owner-writable for it if it is not).
    func writePlatformMarker(into tree: String) throws {
        var info = stat()
        guard lstat(tree, &info) == 0 else { throw GoverError.filesystem(path: tree, operation: "inspect", errno: errno) }
        let readOnly = (info.st_mode & S_IWUSR) == 0
        if readOnly { try FileSystem.makeWritable(tree) }
        defer { if readOnly { chmod(tree, info.st_mode & 0o7777) } }
        try FileSystem.writeFileAtomically(tree + "/" + Self.platformMarker, Array((platform.description + "\n").utf8), mode: 0o644)
    }

    /// Under the lock: a working tree made by an older gover (no marker) is native; say so
    /// in its marker. Best effort: a read-only tree stays marker-less and still counts.
    func markUnmarkedTrees() {
        guard isNative else { return }
        for version in versionDirectories() where isInstalled(version) && recordedPlatform(of: path(of: version)) == nil {
            try? writePlatformMarker(into: path(of: version))
        }
    }

    /// What `current` is: the active version, or exactly what is wrong with it.
    public enum CurrentState: Sendable, Equatable {
        /// No `current` at all.
        case none
        case active(GoVersion)
        /// It names a version of the store that is not a working install (why).
        case notWorking(target: String, problem: String)
        /// It points outside the store (its target as written).
        case outside(target: String)
        /// It is not a symlink (what it is instead).
        case notSymlink(kind: String)
    }

    public func currentState() -> CurrentState {
        guard let kind = FileSystem.kind(currentLink) else { return .none }
        guard kind == S_IFLNK else { return .notSymlink(kind: FileSystem.describeKind(kind)) }
        guard let target = FileSystem.readLink(currentLink) else { return .none }
        // gover writes a bare name; an older or hand-made link may spell a path that still
        // lands in the store's own directory.
        var name = target
        if target.contains("/") {
            let parent = FileSystem.parentPath(of: target.hasPrefix("/") ? target : root + "/" + target)
            guard let realParent = try? FileSystem.realPath(parent), let realRoot = try? FileSystem.realPath(root),
                  realParent == realRoot else { return .outside(target: target) }
            name = String(target.split(separator: "/").last ?? "")
        }
        guard let version = GoVersion(name), version.name == name else {
            return .notWorking(target: target, problem: "\(name) is not a version name")
        }
        let native = Store(root: root)
        if let problem = native.installProblem(version) { return .notWorking(target: target, problem: problem) }
        return .active(version)
    }

    /// The active version; nil when none is set or `current` is not a working install.
    public func currentVersion() -> GoVersion? {
        if case .active(let version) = currentState() { return version }
        return nil
    }

    /// The active version, or the error that says what `current` really is.
    public func requireCurrentVersion() throws -> GoVersion {
        switch currentState() {
        case .active(let version): return version
        case .none: throw GoverError.noCurrentVersion
        case .notWorking(let target, let problem):
            if problem.hasSuffix("does not exist") { throw GoverError.noCurrentVersion }
            throw GoverError.badCurrentLink(path: currentLink, problem: "points to \(target), which is not a working install (\(problem))")
        case .outside(let target):
            throw GoverError.badCurrentLink(path: currentLink, problem: "points to \(target), outside the store")
        case .notSymlink(let kind):
            throw GoverError.badCurrentLink(path: currentLink, problem: "is \(kind), not the symlink gover makes (move it away)")
        }
    }

    /// Creates the store's directories and proves it writable, before any download starts.
    public func prepareForWriting() throws {
        try checkSafe()
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
        // Checked again under the lock: another gover may have changed the store meanwhile.
        try checkSafe()
        removeOrphanedStaging()
        markUnmarkedTrees()
        syncCommands()
        return lock
    }

    /// Under the lock, everything in `.staging` belongs to a process that died (kill -9,
    /// power loss): it was never visible as a version, and is removed now.
    func removeOrphanedStaging() {
        // Never through a symlink: `removeContents` opens `.staging` with O_NOFOLLOW.
        try? FileSystem.removeContents(ofDirectory: stagingDirectory)
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
        // The marker travels with the tree in the same rename: a tree is never visible
        // without the platform it was made for.
        try writePlatformMarker(into: tree)
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
        guard isNative, isInstalled(version) else {
            throw GoverError.notInstalled(selector: version.number, installed: Store(root: root).installedVersions().map(\.number))
        }
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
        if isNative && FileSystem.readLink(currentLink) == version.name {
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
        // Never through a symlink (ELOOP): the lock file is the store's own.
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == ELOOP { throw GoverError.unsafeStoreEntry(path: path, found: "a symlink") }
            throw GoverError.storeNotWritable(path: path, reason: errorString(errno))
        }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            close(fd)
            throw GoverError.unsafeStoreEntry(path: path, found: FileSystem.describeKind(info.st_mode))
        }
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
