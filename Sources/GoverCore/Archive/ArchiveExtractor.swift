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
    /// `GzipDecoder` on another thread).
    public static func extract(from source: ByteSource, gzipped: Bool = true, into destination: String,
                               policy: ExtractionPolicy) throws -> ExtractionSummary {
        try ArchiveLibrary.require()
        let root = try FileSystem.realPath(destination)
        guard let reader = gover_archive_read_new() else { throw corrupt("libarchive could not start") }
        defer { gover_archive_read_free(reader) }
        guard let writer = gover_archive_write_disk_new() else { throw corrupt("libarchive could not start") }
        defer { gover_archive_write_free(writer) }

        if gzipped { gover_archive_read_support_filter_gzip(reader) }
        gover_archive_read_support_format_tar(reader)
        let flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM
            | ARCHIVE_EXTRACT_SECURE_NODOTDOT
        gover_archive_write_disk_set_options(writer, flags)

        let input = ReadContext(source: source)
        guard input.open(reader) else { throw input.failure ?? corrupt(message(reader)) }

        var summary = ExtractionSummary()
        var rules = EntryRules(policy: policy)
        var entry: OpaquePointer?
        while true {
            let status = gover_archive_read_next_header(reader, &entry)
            if status == ARCHIVE_EOF { break }
            if status < ARCHIVE_WARN { throw input.failure ?? corrupt(message(reader)) }
            guard let entry else { throw corrupt("missing entry header") }

            let header = try self.header(of: entry)
            let hadSymlinks = rules.hasSymlinks
            let admitted = try rules.admit(header)
            if rules.hasSymlinks && !hadSymlinks {
                gover_archive_write_disk_set_options(writer, flags | ARCHIVE_EXTRACT_SECURE_SYMLINKS)
            }
            gover_archive_entry_set_pathname(entry, root + "/" + admitted.path)
            if let target = admitted.hardLinkTarget {
                gover_archive_entry_set_hardlink(entry, root + "/" + target)
            }
            gover_archive_entry_set_perm(entry, mode_t(admitted.permissions))

            try copyEntry(entry, name: header.name, from: reader, to: writer, input: input, root: root,
                          policy: policy, summary: &summary)
            summary.entries += 1
        }
        summary.bytes = rules.declaredBytes
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
                                  policy: ExtractionPolicy, summary: inout ExtractionSummary) throws {
        if gover_archive_write_header(writer, entry) < ARCHIVE_OK {
            throw writeError(writer, name: name, root: root)
        }
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let status = gover_archive_read_data_block(reader, &block, &size, &offset)
            if status == ARCHIVE_EOF { break }
            if status < ARCHIVE_OK { throw input.failure ?? corrupt("\(name): \(message(reader))") }
            summary.written += Int64(size)
            if summary.written > policy.maxExpandedBytes {
                throw GoverError.unsafeArchive(entry: name, reason: "makes the archive expand past \(formatBytes(policy.maxExpandedBytes)) (a decompression bomb?)")
            }
            if gover_archive_write_data_block(writer, block, size, offset) < ARCHIVE_OK {
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
