/// The store is a trust boundary: gover runs as root in Docker builds and CI, and whatever
/// `current/bin/go` is gets run by everyone. So before a command reads or changes a store it
/// checks, without following any of the store's own entries:
///
/// - `GOVER_ROOT` is absolute and, when it exists, a directory;
/// - the store and every directory above it is owned by us or root and not writable by
///   anyone else (as ssh treats `~/.ssh`); a sticky directory such as /tmp is fine as a
///   parent. `GOVER_ALLOW_SHARED_STORE=1` turns this part off for stores shared on purpose;
/// - `.staging`, `cache`, `cache/archives` are directories and `.lock` a regular file, when
///   they exist (never symlinks: a `.staging` pointing elsewhere would have its target
///   emptied by the next install);
/// - `current`, when it exists, is a symlink into the store.
extension Store {
    /// The store's own entries and what each must be (`lstat`).
    static let internalEntries: [(name: String, kind: mode_t)] = [
        (".staging", S_IFDIR), ("cache", S_IFDIR), ("cache/archives", S_IFDIR), ("cache/sumdb", S_IFDIR),
        (".lock", S_IFREG),
    ]

    /// Throws the first reason not to use this store; changes nothing.
    public func checkSafe(environment: [String: String] = currentEnvironment()) throws {
        guard root.hasPrefix("/") else {
            throw GoverError.invalidStoreRoot(path: root, reason: "is a relative path (it would name another store in every directory)")
        }
        var info = stat()
        if stat(root, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                throw GoverError.invalidStoreRoot(path: root, reason: "is \(FileSystem.describeKind(info.st_mode)), not a directory")
            }
        } else if errno == ENOTDIR {
            throw GoverError.invalidStoreRoot(path: root, reason: "is inside something that is not a directory")
        }
        if !Self.sharingAllowed(environment) { try checkOwnership() }
        for entry in Self.internalEntries {
            let path = root + "/" + entry.name
            guard let kind = FileSystem.kind(path), kind != entry.kind else { continue }
            let target = kind == S_IFLNK ? FileSystem.readLink(path).map { " to \($0)" } ?? "" : ""
            throw GoverError.unsafeStoreEntry(path: path, found: FileSystem.describeKind(kind) + target)
        }
        switch currentState() {
        case .outside(let target):
            throw GoverError.badCurrentLink(path: currentLink, problem: "points to \(target), outside the store")
        case .notSymlink(let kind):
            throw GoverError.badCurrentLink(path: currentLink, problem: "is \(kind), not the symlink gover makes (move it away)")
        case .none, .active, .notWorking:
            break
        }
    }

    static func sharingAllowed(_ environment: [String: String]) -> Bool {
        ["1", "true", "yes"].contains(environment["GOVER_ALLOW_SHARED_STORE"]?.lowercased() ?? "")
    }

    /// Ownership and modes of the store (or, before it exists, the directory it will be
    /// made in) and of every directory above it, on the real path.
    func checkOwnership() throws {
        var existing = root
        while FileSystem.kind(existing) == nil && existing != "/" { existing = FileSystem.parentPath(of: existing) }
        let storeExists = existing == root
        var directory = try FileSystem.realPath(existing)
        var isStore = storeExists
        let me = geteuid()
        while true {
            var info = stat()
            guard stat(directory, &info) == 0 else {
                throw GoverError.filesystem(path: directory, operation: "inspect", errno: errno)
            }
            let name = isStore ? "the store \(directory)" : "\(directory) (above the store)"
            if info.st_uid != me && info.st_uid != 0 {
                throw GoverError.unsafeStore(path: root, reason: "\(name) is owned by uid \(info.st_uid), not by uid \(me) or root")
            }
            let writableByOthers = info.st_mode & (S_IWGRP | S_IWOTH) != 0
            let sticky = info.st_mode & S_ISVTX != 0
            // A sticky parent (/tmp) lets others create entries but not replace ours.
            if writableByOthers && (isStore || !sticky) {
                let mode = String(info.st_mode & 0o7777, radix: 8)
                throw GoverError.unsafeStore(path: root, reason: "\(name) is writable by its group or others (mode \(mode))")
            }
            if directory == "/" { return }
            directory = FileSystem.parentPath(of: directory)
            isStore = false
        }
    }
}
