#if canImport(Glibc)
@_exported import Glibc
#elseif canImport(Darwin)
@_exported import Darwin
#endif

/// `close(2)`, callable where a type has a `close()` of its own (Glibc or Darwin alike).
@discardableResult
func closeDescriptor(_ fd: Int32) -> Int32 {
    close(fd)
}

/// `strerror` as a Swift string.
func errorString(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Writes all of `text` to a file descriptor, retrying short writes. Used for stderr
/// (Swift 6's `stderr` global is not concurrency-safe) and small files.
public func writeAll(_ text: String, to fd: Int32) {
    _ = withBytes(of: text) { writeAll(UnsafeRawBufferPointer($0), to: fd) }
}

/// A Swift string from a C character buffer, up to its first NUL.
func string<C: Collection>(fromCString buffer: C) -> String where C.Element == CChar {
    String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Writes all of `bytes`, retrying short writes; false on an error.
@discardableResult
func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        offset += n
    }
    return true
}

/// The process environment, read straight from `environ` (no Foundation needed).
public func currentEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let pair = String(cString: entry)
        if let equals = pair.firstIndex(of: "=") {
            result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        pointer += 1
    }
    return result
}

/// Thin, throwing wrappers over the system calls the store uses, so every failure
/// carries its path and operation into `GoverError.filesystem`.
enum FileSystem {
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw GoverError.filesystem(path: path, operation: "create directory", errno: errno)
        }
    }

    /// `mkdir -p`. `mode`, when given, is set exactly on the directories it creates (the
    /// umask does not apply).
    static func makeDirectories(_ path: String, mode: mode_t? = nil) throws {
        if isDirectory(path) { return }
        let parent = parentPath(of: path)
        if parent != path && !parent.isEmpty { try makeDirectories(parent, mode: mode) }
        try makeDirectory(path)
        if let mode { _ = chmod(path, mode) }
    }

    /// Makes a directory writable by its owner (a 0555 Go tree cannot be moved otherwise).
    static func makeWritable(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw GoverError.filesystem(path: path, operation: "inspect", errno: errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR && (info.st_mode & S_IWUSR) == 0 {
            if chmod(path, (info.st_mode & 0o7777) | S_IWUSR) != 0 {
                throw GoverError.filesystem(path: path, operation: "make writable", errno: errno)
            }
        }
    }

    /// Swaps two paths atomically (`renameat2(RENAME_EXCHANGE)` on Linux); false where the
    /// kernel or filesystem cannot, and the caller falls back to two renames.
    static func exchange(_ a: String, _ b: String) -> Bool {
        #if os(Linux)
        // glibc has renameat2 (2.28+) but Swift's Glibc module does not declare it.
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
        guard let symbol = dlsym(nil, "renameat2") else { return false }  // nil: RTLD_DEFAULT
        let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
        let renameExchange: UInt32 = 2
        return renameat2(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
        #else
        return false
        #endif
    }

    /// `rename(2)`: atomic replacement within one filesystem.
    static func move(_ from: String, to: String) throws {
        if rename(from, to) != 0 {
            throw GoverError.filesystem(path: to, operation: "rename \(from) to", errno: errno)
        }
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return string(fromCString: buffer[..<n])
    }

    static func realPath(_ path: String) throws -> String {
        guard let resolved = realpath(path, nil) else {
            throw GoverError.filesystem(path: path, operation: "resolve", errno: errno)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The names in a directory, `.` and `..` excluded; empty when it cannot be read. A
    /// symlink in place of the directory is not followed (store internals never are).
    /// Files (anything but directories) under `path`, their sizes, and the disk space they
    /// take (`st_blocks`: what removing them frees), without following symlinks.
    static func usage(of path: String) -> (files: Int, bytes: Int64, allocated: Int64) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return (0, 0, 0) }
        var total = (files: 0, bytes: Int64(0), allocated: Int64(info.st_blocks) * 512)
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in directoryEntries(path) {
                let inner = usage(of: path + "/" + name)
                total.files += inner.files
                total.bytes += inner.bytes
                total.allocated += inner.allocated
            }
        } else {
            total.files = 1
            total.bytes = (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : 0
        }
        return total
    }

    static func directoryEntries(_ path: String) -> [String] {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        return (try? entries(ofDirectory: fd, path: path)) ?? []
    }

    /// The names in an open directory (the descriptor stays open and owned by the caller).
    private static func entries(ofDirectory fd: Int32, path: String) throws -> [String] {
        // fdopendir takes ownership of the descriptor it is given: hand it a duplicate.
        let copy = dup(fd)
        guard copy >= 0, let dir = fdopendir(copy) else {
            let code = errno
            throw GoverError.filesystem(path: path, operation: "read directory", errno: code)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// What is at `path` itself (`lstat`: a symlink is a symlink), nil when nothing is.
    static func kind(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }

    /// `rm -rf` that also copes with read-only directories (Go's module cache and
    /// toolchains unpacked by other tools are often mode 0555), and can never leave the
    /// tree it was given: the walk is relative to open directory descriptors
    /// (`openat(O_NOFOLLOW)`, `unlinkat`), so a symlink anywhere in it, even one swapped in
    /// while it runs, is removed as a link and never followed.
    static func removeTree(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw GoverError.filesystem(path: path, operation: "inspect", errno: errno)
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            if unlink(path) != 0 && errno != ENOENT {
                throw GoverError.filesystem(path: path, operation: "remove", errno: errno)
            }
            return
        }
        try removeContents(ofDirectory: path)
        if rmdir(path) != 0 && errno != ENOENT {
            throw GoverError.filesystem(path: path, operation: "remove", errno: errno)
        }
    }

    /// Whether the filesystem holding `path` has no free inodes left (an `ENOSPC` then
    /// means "too many files", not "no space").
    static func isOutOfInodes(_ path: String) -> Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0, info.f_files > 0 else { return false }
        // root may use the inodes reserved for it; others only the available ones.
        return (getuid() == 0 ? info.f_ffree : info.f_favail) == 0
    }

    /// Empties a directory but keeps it (a mount point, the store's `cache/`). Refuses a
    /// symlink in its place (ELOOP) instead of emptying whatever it points at.
    static func removeContents(ofDirectory path: String) throws {
        let fd = openDirectoryNoFollow(AT_FDCWD, path)
        guard fd >= 0 else {
            if errno == ENOENT { return }
            throw GoverError.filesystem(path: path, operation: "open directory", errno: errno)
        }
        defer { close(fd) }
        try removeContents(of: fd, path: path)
    }

    /// Opens a directory without following a symlink in its last component; a directory
    /// without read or search permission for us (0000, 0555 trees) is given `u+rwx` first.
    private static func openDirectoryNoFollow(_ parent: Int32, _ name: String) -> Int32 {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        var fd = openat(parent, name, flags)
        if fd < 0 && errno == EACCES {
            var info = stat()
            if fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                _ = fchmodat(parent, name, (info.st_mode & 0o7777) | S_IRWXU, 0)
                fd = openat(parent, name, flags)
            }
        }
        if fd >= 0 {
            var info = stat()
            // Entries can only be unlinked from a directory we may write and search.
            if fstat(fd, &info) == 0 && (info.st_mode & S_IRWXU) != S_IRWXU {
                _ = fchmod(fd, (info.st_mode & 0o7777) | S_IRWXU)
            }
        }
        return fd
    }

    private static func removeContents(of fd: Int32, path: String) throws {
        for name in try entries(ofDirectory: fd, path: path) {
            var info = stat()
            guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                if errno == ENOENT { continue }
                throw GoverError.filesystem(path: path + "/" + name, operation: "inspect", errno: errno)
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                let child = openDirectoryNoFollow(fd, name)
                guard child >= 0 else {
                    throw GoverError.filesystem(path: path + "/" + name, operation: "open directory", errno: errno)
                }
                defer { close(child) }
                try removeContents(of: child, path: path + "/" + name)
                if unlinkat(fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT {
                    throw GoverError.filesystem(path: path + "/" + name, operation: "remove", errno: errno)
                }
            } else if unlinkat(fd, name, 0) != 0 && errno != ENOENT {
                throw GoverError.filesystem(path: path + "/" + name, operation: "remove", errno: errno)
            }
        }
    }

    /// Flushes a directory's entries to disk, so a rename into it survives a power loss.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    static func parentPath(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// Files gover reads that a user or a project wrote (start-up files, pin files,
    /// go.mod, go's env file) are never larger than this.
    static let userFileLimit = 1 << 20

    /// A regular file's bytes, nil when nothing is at `path` (or, without `followSymlinks`,
    /// when a symlink is). Anything else that is not a regular file (a FIFO, a device, a
    /// directory) is refused before a byte is read: it is opened `O_NONBLOCK` and checked
    /// with `fstat`, so a FIFO cannot hang gover. A file over `limit` bytes is refused too.
    /// `firstBytes`: stop once at least that many bytes are read (a prefix: the result is
    /// the whole file only when it is shorter).
    static func readRegularFile(_ path: String, limit: Int = userFileLimit, followSymlinks: Bool = true,
                                firstBytes: Int = .max) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followSymlinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR || (!followSymlinks && errno == ELOOP) { return nil }
            throw GoverError.filesystem(path: path, operation: "read", errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GoverError.filesystem(path: path, operation: "inspect", errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw GoverError.notRegularFile(path: path, kind: describeKind(info.st_mode))
        }
        guard Int(info.st_size) <= limit else {
            throw GoverError.fileTooLarge(path: path, size: Int64(info.st_size), limit: Int64(limit))
        }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw GoverError.filesystem(path: path, operation: "read", errno: errno)
            }
            if n == 0 { return result }
            // A file that grows while it is read (or lies in st_size, as /proc does) still stops at the limit.
            guard result.count + n <= limit else {
                throw GoverError.fileTooLarge(path: path, size: Int64(result.count + n), limit: Int64(limit))
            }
            result.append(contentsOf: chunk[0..<n])
            if result.count >= firstBytes { return result }
        }
    }

    /// `readRegularFile`, with every problem as nil (optional files: the index cache).
    static func readFile(_ path: String, limit: Int = 1 << 26, followSymlinks: Bool = true, firstBytes: Int = .max) -> [UInt8]? {
        (try? readRegularFile(path, limit: limit, followSymlinks: followSymlinks, firstBytes: firstBytes)) ?? nil
    }

    /// `a FIFO`, `a directory`, ... for messages.
    static func describeKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symlink"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "not a regular file"
        }
    }

    /// Creates a new file beside `path` (`<path>.tmp-XXXXXX`) with `O_EXCL | O_NOFOLLOW`: never
    /// an existing file or a planted symlink, so nothing already there is truncated or
    /// written through. Returns its descriptor and name; the caller renames it into place.
    /// `path` is relative to `directory` (a descriptor), or absolute / to the working directory.
    static func createTemporary(beside path: String, in directory: Int32 = AT_FDCWD, mode: mode_t = 0o644) throws -> (fd: Int32, path: String) {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        while true {
            let suffix = String((0..<8).map { _ in letters.randomElement()! })
            let temporary = "\(path).tmp-\(suffix)"
            let fd = openat(directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 { return (fd, temporary) }
            if errno != EEXIST { throw GoverError.filesystem(path: temporary, operation: "create", errno: errno) }
        }
    }

    /// Writes a file atomically: a fresh temporary sibling, then `rename(2)` over the target.
    /// `mode`, when given, is set exactly (the umask does not apply).
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t? = nil) throws {
        try writeFileAtomically(path, in: AT_FDCWD, shownAs: path, bytes, mode: mode)
    }

    /// `writeFileAtomically` for the file `name` directly in `directory`, which is opened
    /// without following a symlink: the temporary file and the rename are relative to that
    /// descriptor, so a directory swapped for a symlink after it was checked cannot send them
    /// elsewhere (the store's own directories are never followed).
    static func writeFileAtomically(named name: String, inDirectory directory: String, _ bytes: [UInt8]) throws {
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directoryFD >= 0 else { throw GoverError.filesystem(path: directory, operation: "open", errno: errno) }
        defer { close(directoryFD) }
        try writeFileAtomically(name, in: directoryFD, shownAs: directory + "/" + name, bytes, mode: nil)
    }

    private static func writeFileAtomically(_ path: String, in directory: Int32, shownAs shown: String, _ bytes: [UInt8],
                                            mode: mode_t?) throws {
        let (fd, temporary) = try createTemporary(beside: path, in: directory, mode: mode ?? 0o644)
        let shownTemporary = shown + temporary.dropFirst(path.count)
        if let mode { _ = fchmod(fd, mode) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlinkat(directory, temporary, 0)
                throw GoverError.filesystem(path: shownTemporary, operation: "write", errno: code)
            }
            offset += n
        }
        close(fd)
        if renameat(directory, temporary, directory, path) != 0 {
            let code = errno
            unlinkat(directory, temporary, 0)
            throw GoverError.filesystem(path: shown, operation: "rename \(shownTemporary) to", errno: code)
        }
    }
}

