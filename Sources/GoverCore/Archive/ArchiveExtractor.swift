import CLibArchive

/// Where the extractor pulls its compressed bytes from (the download pipe, in practice).
public protocol ByteSource: AnyObject {
    /// Fills `buffer` with up to its size; returns 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension StreamBuffer: ByteSource {}

extension ByteSource {
    /// Reads and discards everything up to the end of the stream: libarchive stops at the
    /// end-of-archive marker, but a download must finish for its digest.
    func drain() throws {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        while try read(into: scratch) > 0 {}
    }
}

public struct ExtractionSummary: Sendable {
    public var entries = 0
    /// Bytes the entries declare, and bytes actually written.
    public var bytes: Int64 = 0
    public var written: Int64 = 0
    /// Entries left out: with `--verify-sumdb`, what the toolchain module does not hold.
    public var skipped = 0
    /// The toolchain module's `h1:` hash of what was written, when the layout asks for it.
    public var moduleHash: String?
}

/// What an archive is, and how its entry names become paths under the destination.
public enum ArchiveLayout: Sendable, Equatable {
    /// A go.dev `.tar.gz` (or its inflated tar): entries under `go/`. With a module version,
    /// also hashes the files the toolchain module of that version holds, as its zip would
    /// name them (`--verify-sumdb`).
    case releaseTarball(moduleVersion: String?)
    /// A `golang.org/toolchain` module zip: regular files under the module's prefix, every
    /// one hashed under its zip name for the `h1:` check.
    case toolchainModuleZip(moduleVersion: String)

    var moduleVersion: String? {
        switch self {
        case .releaseTarball(let version): return version
        case .toolchainModuleZip(let version): return version
        }
    }
}

/// Extracts a `.tar.gz` into a directory with libarchive, refusing anything that could
/// write outside it.
///
/// gover validates every entry itself with `EntryRules` (paths, types, links, counts,
/// declared sizes, modes) before libarchive writes it. libarchive then writes with
/// `SECURE_NODOTDOT`, plus `SECURE_SYMLINKS` from the first symlink on (it costs ~7
/// `openat` + 6 `fstatat` per entry, ~30% of extraction, and go.dev archives have no
/// symlinks). Entry names are rewritten to absolute paths inside the real (symlink-free),
/// freshly created destination, which is why `SECURE_NOABSOLUTEPATHS` cannot be used and
/// the absolute-path check is ours.
public enum ArchiveExtractor {
    /// Extracts a tar stream (`gzipped`: a .tar.gz; otherwise already inflated, e.g. by
    /// `GzipDecoder` on another thread) or a toolchain module zip (read as a stream: the
    /// local headers, never the central directory, so what is hashed is what is written).
    public static func extract(from source: ByteSource, gzipped: Bool = true, layout: ArchiveLayout = .releaseTarball(moduleVersion: nil),
                               into destination: String, policy: ExtractionPolicy) throws -> ExtractionSummary {
        try ArchiveLibrary.require()
        let root = try FileSystem.realPath(destination)
        guard let reader = gover_archive_read_new() else { throw corrupt("libarchive could not start") }
        defer { gover_archive_read_free(reader) }
        guard let writer = gover_archive_write_disk_new() else { throw corrupt("libarchive could not start") }
        defer { gover_archive_write_free(writer) }

        if case .toolchainModuleZip = layout {
            gover_archive_read_support_format_zip_streamable(reader)
        } else {
            if gzipped { gover_archive_read_support_filter_gzip(reader) }
            gover_archive_read_support_format_tar(reader)
        }
        let flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM
            | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        gover_archive_write_disk_set_options(writer, flags)

        let input = ReadContext(source: source)
        guard input.open(reader) else { throw input.failure ?? corrupt(message(reader)) }

        var summary = ExtractionSummary()
        var rules = EntryRules(policy: policy)
        var files = FileWriter(root: root)
        defer { files.close() }
        var moduleFiles = layout.moduleVersion.map { _ in ModuleFiles() }
        var entry: OpaquePointer?
        while true {
            let status = gover_archive_read_next_header(reader, &entry)
            if status == ARCHIVE_EOF { break }
            if status < ARCHIVE_WARN { throw input.failure ?? corrupt(message(reader)) }
            guard let entry else { throw corrupt("missing entry header") }

            var header = try self.header(of: entry)
            let originalName = header.name
            if case .toolchainModuleZip(let version) = layout {
                header = try moduleZipHeader(header, moduleVersion: version)
            }
            let hadSymlinks = rules.hasSymlinks
            var admitted: AdmittedEntry
            do {
                admitted = try rules.admit(header)
            } catch GoverError.unsafeArchive(_, let reason) where originalName != header.name {
                // Named as the zip names it: the tree path gover mapped it to is not in the zip.
                throw GoverError.unsafeArchive(entry: originalName, reason: reason)
            }
            // The zip's modes are not covered by its hash: the go command's are used instead.
            if case .toolchainModuleZip = layout, case .file = header.kind {
                admitted.permissions = ToolchainModule.permissions(ofTreePath: admitted.path)
            }
            if rules.hasSymlinks && !hadSymlinks {
                gover_archive_write_disk_set_options(writer, flags | ARCHIVE_EXTRACT_SECURE_SYMLINKS)
            }

            // The module's name for this file, when its content is to be hashed.
            var hashedName: String?
            switch layout {
            case .toolchainModuleZip:
                if case .file = header.kind { hashedName = originalName }
            case .releaseTarball(let version?):
                // Checked against the database: only what the module holds is installed, and
                // all of it is hashed, so every file in the tree is one the public log vouches for.
                let name = ToolchainModule.zipEntryName(ofTreePath: admitted.path, moduleVersion: version)
                if name == nil && admitted.path != policy.topDirectory {
                    summary.skipped += 1
                    continue
                }
                switch header.kind {
                case .directory: break
                case .file where admitted.hardLinkTarget == nil: hashedName = name
                case .file, .hardLink:
                    // A hard link has its target's content, which must be a file hashed before.
                    guard let name, let target = admitted.hardLinkTarget else { break }
                    try moduleFiles?.addLink(name: name, path: admitted.path, target: target, entry: header.name)
                default:
                    throw GoverError.unsafeArchive(entry: header.name, reason: "is not a regular file or a directory, which the toolchain module (and so the checksum database) cannot vouch for")
                }
            case .releaseTarball(nil): break
            }
            var content = hashedName.map { _ in ContentHasher() }
            if case .file = header.kind, admitted.hardLinkTarget == nil, !rules.hasSymlinks,
               try files.write(entry, admitted: admitted, name: originalName, from: reader, input: input,
                               policy: policy, summary: &summary, hashing: &content) {
                // Written directly (see FileWriter).
            } else {
                // libarchive writes what gover admitted, where gover put it.
                gover_archive_entry_set_pathname(entry, root + "/" + admitted.path)
                if let target = admitted.hardLinkTarget {
                    gover_archive_entry_set_hardlink(entry, root + "/" + target)
                }
                gover_archive_entry_set_perm(entry, mode_t(admitted.permissions))
                try copyEntry(entry, name: originalName, from: reader, to: writer, input: input, root: root,
                              policy: policy, summary: &summary, hashing: &content)
            }
            if let hashedName, var content {
                try moduleFiles?.add(name: hashedName, path: admitted.path,
                                     sha256: content.finalize(declaredSize: gover_archive_entry_size(entry)))
            }
            summary.entries += 1
        }
        files.close()
        summary.bytes = rules.declaredBytes
        summary.moduleHash = try moduleFiles?.hash()
        // Directory times and permissions are applied when the writer closes.
        if gover_archive_write_close(writer) < ARCHIVE_OK {
            throw writeError(writer, name: "(closing)", root: root)
        }
        if summary.entries == 0 { throw corrupt("the archive is empty") }
        if let required = policy.requiredExecutable {
            try checkExecutable(root + "/" + policy.topDirectory + "/" + required,
                                shownAs: policy.topDirectory + "/" + required)
        }
        return summary
    }

    /// Writes one entry: header, data blocks, finish. Every status below ARCHIVE_OK fails
    /// the install: libarchive's own `archive_read_extract2` downgrades a failed data write
    /// (disk full) to a warning and then truncates the file to its declared size, which
    /// would leave a sparse, silently corrupt file behind.
    private static func copyEntry(_ entry: OpaquePointer, name: String, from reader: OpaquePointer,
                                  to writer: OpaquePointer, input: ReadContext, root: String,
                                  policy: ExtractionPolicy, summary: inout ExtractionSummary,
                                  hashing content: inout ContentHasher?) throws {
        if gover_archive_write_header(writer, entry) < ARCHIVE_OK {
            throw writeError(writer, name: name, root: root)
        }
        try readData(name: name, from: reader, input: input, policy: policy, summary: &summary, hashing: &content) { block, offset in
            if gover_archive_write_data_block(writer, block.baseAddress, block.count, la_int64_t(offset)) < ARCHIVE_OK {
                throw writeError(writer, name: name, root: root)
            }
        }
        if gover_archive_write_finish_entry(writer) < ARCHIVE_OK {
            throw writeError(writer, name: name, root: root)
        }
    }

    /// The entry's header as plain values for `EntryRules`. A hard-link entry is recognised
    /// by its link name whatever type the tar header claims (libarchive reports no file
    /// type for one).
    private static func header(of entry: OpaquePointer) throws -> ArchiveEntryHeader {
        guard let rawName = gover_archive_entry_pathname(entry) ?? gover_archive_entry_pathname_utf8(entry) else {
            throw GoverError.unsafeArchive(entry: "?", reason: "has a name that cannot be decoded")
        }
        let name = String(cString: rawName)
        let kind: ArchiveEntryHeader.Kind
        if let link = gover_archive_entry_hardlink(entry) {
            kind = .hardLink(target: String(cString: link))
        } else {
            let fileType = gover_archive_entry_filetype(entry) & S_IFMT
            switch fileType {
            case S_IFREG: kind = .file
            case S_IFDIR: kind = .directory
            case S_IFLNK: kind = .symlink(target: gover_archive_entry_symlink(entry).map { String(cString: $0) } ?? "")
            default: kind = .other(fileType: UInt32(fileType))
            }
        }
        return ArchiveEntryHeader(name: name, kind: kind, size: gover_archive_entry_size(entry),
                                  permissions: UInt32(gover_archive_entry_perm(entry)))
    }

    /// Hands each data block of the current entry to `write` with its offset, after the checks
    /// every block gets whoever writes it (gover or libarchive): forward only, within the
    /// expansion limit, hashed when asked. Returns where the data ended.
    @discardableResult
    static func readData(name: String, from reader: OpaquePointer, input: ReadContext, policy: ExtractionPolicy,
                         summary: inout ExtractionSummary, hashing content: inout ContentHasher?,
                         _ write: (UnsafeRawBufferPointer, Int64) throws -> Void) throws -> Int64 {
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        var end: Int64 = 0
        while true {
            let status = gover_archive_read_data_block(reader, &block, &size, &offset)
            if status == ARCHIVE_EOF { return end }
            if status < ARCHIVE_OK { throw input.failure ?? corrupt("\(name): \(message(reader))") }
            try checkForward(offset: Int64(offset), end: &end, size: size, name: name)
            summary.written += Int64(size)
            if summary.written > policy.maxExpandedBytes {
                throw GoverError.unsafeArchive(entry: name, reason: "makes the archive expand past \(formatBytes(policy.maxExpandedBytes)) (a decompression bomb?)")
            }
            let bytes = UnsafeRawBufferPointer(start: block, count: size)
            content?.update(bytes, at: Int64(offset))
            try write(bytes, Int64(offset))
        }
    }

    /// Data blocks must move forward: a crafted sparse map can make blocks overlap, and then
    /// what is written (later blocks win) is not what was hashed in stream order. No Go
    /// archive has sparse files, let alone overlapping ones.
    static func checkForward(offset: Int64, end: inout Int64, size: Int, name: String) throws {
        guard offset >= end else {
            throw GoverError.unsafeArchive(entry: name, reason: "has data blocks that overlap (a crafted sparse map)")
        }
        end = offset + Int64(size)
    }

    /// A module zip entry as a tree entry: renamed under `go/` (`ToolchainModule.treePath`),
    /// and refused unless it is a regular file or a directory — a module zip holds files
    /// only, and the go command would unpack a "symlink" as a file anyway.
    private static func moduleZipHeader(_ header: ArchiveEntryHeader, moduleVersion: String) throws -> ArchiveEntryHeader {
        var mapped = header
        switch header.kind {
        case .file, .directory: break
        default:
            throw GoverError.unsafeArchive(entry: header.name, reason: "is not a regular file; a toolchain module zip holds regular files only")
        }
        mapped.name = try ToolchainModule.treePath(ofZipEntry: header.name, moduleVersion: moduleVersion)
        if case .directory = header.kind { mapped.permissions = 0o755 }
        return mapped
    }

    /// The toolchain's `go` must be a regular file with an execute bit: a directory, a
    /// FIFO or an empty-mode file named `bin/go` would make an installed version that
    /// cannot run.
    private static func checkExecutable(_ path: String, shownAs name: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw corrupt("it has no \(name)") }
        guard (info.st_mode & S_IFMT) == S_IFREG, (info.st_mode & 0o111) != 0 else {
            throw corrupt("its \(name) is not an executable regular file")
        }
    }

    static func message(_ archive: OpaquePointer) -> String {
        gover_archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    static func corrupt(_ reason: String) -> GoverError {
        .corruptArchive(file: "archive", reason: reason)
    }

    private static func writeError(_ archive: OpaquePointer, name: String, root: String) -> GoverError {
        let text = message(archive)
        let code = gover_archive_errno(archive)
        // libarchive's own security refusals (they back up the checks above).
        if text.contains("symlink") || text.contains("..") || text.contains("absolute") {
            return .unsafeArchive(entry: name, reason: "was refused by libarchive: \(text)")
        }
        return writeError(code: code, text: text, name: name, root: root)
    }

    static func writeError(code: Int32, text: String, name: String, root: String) -> GoverError {
        if code == ENOSPC && FileSystem.isOutOfInodes(root) {
            return .outOfInodes(path: root, entry: name)
        }
        if code == ENOSPC || code == EDQUOT || code == EROFS || code == EACCES || code == EPERM || code == EFBIG
            || code == EIO {
            return .filesystem(path: root, operation: "write \(name) into", errno: code)
        }
        return .corruptArchive(file: "archive", reason: "\(name): \(text)")
    }
}

/// Writes regular files itself, the way `archive_write_disk` would with
/// `ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM` but in fewer syscalls: `openat` relative to
/// the parent directory's descriptor (kept while entries stay in the same directory),
/// the data, `fchmod` only when the umask took bits away, `futimens`, `close` — against
/// libarchive's two `umask`, `fcntl(FD_CLOEXEC)`, full-path `openat` and `utimensat` per file.
///
/// Only for entries `EntryRules` admitted as plain files (no hard link) while the archive
/// has had no symlink: then every directory under the real, freshly created root was made
/// by this extraction, and no path component can lead elsewhere (`O_NOFOLLOW` on the last
/// one as well). When `openat` fails for any reason (the parent does not exist yet, the file
/// does, an error) the entry goes to libarchive instead, which creates parents, replaces
/// files and reports errors as before.
struct FileWriter {
    let root: String
    private let mask: mode_t
    private var start = timespec()
    private var directory: String?
    private var directoryFD: Int32 = -1

    init(root: String) {
        self.root = root
        mask = umask(0)
        umask(mask)
        clock_gettime(CLOCK_REALTIME, &start)
    }

    mutating func close() {
        if directoryFD >= 0 { _ = closeDescriptor(directoryFD) }
        directoryFD = -1
        directory = nil
    }

    private mutating func parent(_ path: Substring) -> Int32? {
        if let directory, directory.utf8.elementsEqual(path.utf8) { return directoryFD }
        close()
        let fd = open(root + "/" + path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        directory = String(path)
        directoryFD = fd
        return fd
    }

    /// false: not written, hand the entry to libarchive (nothing was read or created).
    mutating func write(_ entry: OpaquePointer, admitted: AdmittedEntry, name: String, from reader: OpaquePointer,
                        input: ReadContext, policy: ExtractionPolicy, summary: inout ExtractionSummary,
                        hashing content: inout ContentHasher?) throws -> Bool {
        let path = admitted.path
        guard let slash = path.lastIndex(of: "/") else { return false }
        guard let dirFD = parent(path[..<slash]) else { return false }
        let permissions = mode_t(admitted.permissions)
        let fd = openat(dirFD, String(path[path.index(after: slash)...]),
                        O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, permissions)
        guard fd >= 0 else { return false }
        var open = true
        defer { if open { _ = closeDescriptor(fd) } }
        func failed(_ code: Int32) -> GoverError {
            ArchiveExtractor.writeError(code: code, text: String(cString: strerror(code)), name: name, root: root)
        }

        let end = try ArchiveExtractor.readData(name: name, from: reader, input: input, policy: policy, summary: &summary,
                                                hashing: &content) { block, offset in
            var done = 0
            while done < block.count {
                let n = pwrite(fd, block.baseAddress! + done, block.count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failed(errno)
                }
                if n == 0 { throw failed(EIO) }
                done += n
            }
        }
        // A sparse tail (holes up to the declared size), as libarchive does.
        let declared = gover_archive_entry_size(entry)
        if end < declared, ftruncate(fd, off_t(declared)) != 0 { throw failed(errno) }
        if permissions & mask != 0, fchmod(fd, permissions) != 0 { throw failed(errno) }
        var times = (start, start)
        if gover_archive_entry_atime_is_set(entry) != 0 {
            times.0 = timespec(tv_sec: gover_archive_entry_atime(entry), tv_nsec: gover_archive_entry_atime_nsec(entry))
        }
        if gover_archive_entry_mtime_is_set(entry) != 0 {
            times.1 = timespec(tv_sec: gover_archive_entry_mtime(entry), tv_nsec: gover_archive_entry_mtime_nsec(entry))
        }
        // A tuple, not an array: no allocation per file.
        let timesSet = withUnsafePointer(to: &times) { $0.withMemoryRebound(to: timespec.self, capacity: 2) { futimens(fd, $0) } }
        if timesSet != 0 { throw failed(errno) }
        open = false
        if closeDescriptor(fd) != 0 && errno != EINTR { throw failed(errno) }
        return true
    }
}
