/// One planned change to a start-up file, worked out before anything is written.
public struct StartupFileChange: Sendable {
    public enum Action: String, Sendable {
        case create, append, update, unchanged, remove, absent
    }

    public var file: StartupFile
    /// The file actually written: the target of a symlinked rc file (edited in place; the
    /// symlink stays).
    public var realPath: String
    public var action: Action
    var original: [UInt8]?
    var updated: [UInt8]?
    var mode: mode_t

    /// Where the previous contents are kept: `<real path>.gover-backup` (not for files that
    /// are all gover's).
    public var backupPath: String { realPath + ".gover-backup" }
    public var isSymlinked: Bool { realPath != file.path }
    public var changesSomething: Bool { action != .unchanged && action != .absent }
}

/// Adds or removes the gover block in start-up files: all files are planned first (so a
/// read-only one stops the run before anything changed), then each is written atomically
/// (a sibling temporary file renamed over it, keeping its mode), after its previous
/// contents were saved to `<file>.gover-backup`.
public enum StartupFileEditor {
    public static func plan(_ files: [StartupFile], block: String, remove: Bool) throws -> [StartupFileChange] {
        try files.map { file in
            let realPath = try resolve(file.path)
            // A symlinked rc file is followed (dotfiles), but what it names must be a regular
            // file of sane size: a FIFO would hang `init`, a device would be read forever.
            let original = try FileSystem.readRegularFile(realPath)
            var info = stat()
            let exists = original != nil && stat(realPath, &info) == 0
            var change = StartupFileChange(file: file, realPath: realPath, action: .unchanged, original: original,
                                           updated: nil, mode: exists ? info.st_mode & 0o7777 : 0o644)
            if remove {
                guard let original else {
                    change.action = .absent
                    return change
                }
                let updated = try ManagedBlock.removing(from: original, path: realPath)
                if updated != original {
                    change.action = .remove
                    change.updated = updated
                }
            } else if let original {
                let updated = try ManagedBlock.installing(block, into: original, path: realPath)
                if updated != original {
                    change.action = try ManagedBlock.locate(in: original, path: realPath) == nil ? .append : .update
                    change.updated = updated
                }
            } else {
                change.action = .create
                change.updated = Array(block.utf8)
            }
            if change.changesSomething && isReadOnly(change) {
                throw GoverError.rcFileReadOnly(path: realPath, block: block)
            }
            return change
        }
    }

    /// Writes the planned changes.
    public static func apply(_ changes: [StartupFileChange]) throws {
        for change in changes where change.changesSomething {
            guard let updated = change.updated else { continue }
            // A file that is all gover's (fish's conf.d snippet) needs no backup.
            if let original = change.original, !change.file.ownedByGover {
                try FileSystem.writeFileAtomically(change.backupPath, original, mode: change.mode)
            }
            if change.action == .create {
                try FileSystem.makeDirectories(FileSystem.parentPath(of: change.realPath))
            }
            if change.action == .remove && change.file.ownedByGover && updated.allSatisfy(isWhitespace) {
                if unlink(change.realPath) != 0 {
                    throw GoverError.filesystem(path: change.realPath, operation: "remove", errno: errno)
                }
                continue
            }
            try FileSystem.writeFileAtomically(change.realPath, updated, mode: change.mode)
        }
    }

    /// The file a path names, following symlinks (also a chain, also dangling ones, which
    /// are created at their target).
    static func resolve(_ path: String) throws -> String {
        var current = path
        for _ in 0..<32 {
            guard let target = FileSystem.readLink(current) else {
                guard current != path else { return path }
                // `~/../dotfiles/bashrc` reads better as `/home/dotfiles/bashrc`.
                let parent = FileSystem.parentPath(of: current)
                let name = current.split(separator: "/").last.map(String.init) ?? current
                return ((try? FileSystem.realPath(parent)) ?? parent) + "/" + name
            }
            current = target.hasPrefix("/") ? target : FileSystem.parentPath(of: current) + "/" + target
        }
        throw GoverError.filesystem(path: path, operation: "resolve", errno: ELOOP)
    }

    /// Whether a change cannot be written: no write permission, no write bit at all
    /// (respected even for root: someone made it read-only on purpose), a read-only
    /// filesystem, or a directory that does not let us create the file or its replacement.
    private static func isReadOnly(_ change: StartupFileChange) -> Bool {
        if change.original != nil && (change.mode & 0o222 == 0 || access(change.realPath, W_OK) != 0) { return true }
        var directory = FileSystem.parentPath(of: change.realPath)
        while !FileSystem.exists(directory) && directory != "/" { directory = FileSystem.parentPath(of: directory) }
        return access(directory, W_OK) != 0
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}
