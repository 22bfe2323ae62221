import CLibArchive

/// Where the extractor pulls its compressed bytes from (the download pipe, in practice).
public protocol ByteSource: AnyObject {
    /// Fills `buffer` with up to its size; returns 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension StreamBuffer: ByteSource {}

/// What an archive may contain.
public struct ExtractionPolicy: Sendable {
    /// Every entry must live under this top directory (go.dev archives: `go/`).
    public var topDirectory = "go"
    /// Refuse archives that expand past this many bytes (a gzip bomb guard).
    public var maxExpandedBytes: Int64
    /// A file that must exist once extraction is complete, relative to the top directory.
    public var requiredFile: String? = "bin/go"

    public init(maxExpandedBytes: Int64) {
        self.maxExpandedBytes = maxExpandedBytes
    }

    /// A Go tree expands to about 3.1× its `.tar.gz`; 16× leaves room and still stops bombs.
    public static func forArchive(ofSize size: Int64) -> ExtractionPolicy {
        ExtractionPolicy(maxExpandedBytes: max(size, 1 << 20) * 16)
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
/// Two layers of defence: gover validates every entry itself (relative path under the top
/// directory, no `..`, symlink and hard-link targets inside the tree, only regular files,
/// directories and links, no setuid/setgid/sticky bits), then libarchive writes with
/// `SECURE_NODOTDOT | SECURE_SYMLINKS`, which refuses writing through a symlink. Entry
/// names are rewritten to absolute paths inside the real (symlink-free) destination, which
/// is why `SECURE_NOABSOLUTEPATHS` cannot be used and the absolute check is ours.
public enum ArchiveExtractor {
    /// Extracts a tar stream (`gzipped`: a .tar.gz; otherwise already inflated, e.g. by
    /// `GzipDecoder` on another thread).
    public static func extract(from source: ByteSource, gzipped: Bool = true, into destination: String,
                               policy: ExtractionPolicy) throws -> ExtractionSummary {
        if let reason = gover_archive_load_error() {
            throw GoverError.missingLibrary(name: "libarchive", reason: String(cString: reason), package: "libarchive13")
        }
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
        var links = SymlinkGuard()
        var entry: OpaquePointer?
        while true {
            let status = gover_archive_read_next_header(reader, &entry)
            if status == ARCHIVE_EOF { break }
            if status < ARCHIVE_WARN { throw input.failure ?? corrupt(message(reader)) }
            guard let entry else { throw corrupt("missing entry header") }

            let name = try entryName(entry)
            let relative = try validatedPath(name, entry: name, policy: policy)
            try validateType(entry, name: name, relative: relative, policy: policy)
            try links.check(relative, entry: name)
            summary.bytes += max(0, gover_archive_entry_size(entry))
            if summary.bytes > policy.maxExpandedBytes {
                throw GoverError.unsafeArchive(entry: name, reason: "makes the archive expand past \(formatBytes(policy.maxExpandedBytes)) (a decompression bomb?)")
            }

            gover_archive_entry_set_pathname(entry, root + "/" + relative)
            if let link = gover_archive_entry_hardlink(entry) {
                let target = try validatedPath(String(cString: link), entry: name, policy: policy)
                try links.checkHardLinkTarget(target, entry: name)
                gover_archive_entry_set_hardlink(entry, root + "/" + target)
            }
            if (gover_archive_entry_filetype(entry) & S_IFMT) == S_IFLNK { links.created(relative) }
            // Toolchains need no setuid, setgid or sticky bits; strip them rather than refuse.
            gover_archive_entry_set_perm(entry, gover_archive_entry_perm(entry) & 0o777)

            try copyEntry(entry, name: name, from: reader, to: writer, input: input, root: root,
                          policy: policy, summary: &summary)
            summary.entries += 1
        }
        // Directory times and permissions are applied when the writer closes.
        if gover_archive_write_close(writer) < ARCHIVE_OK {
            throw writeError(writer, name: "(closing)", root: root)
        }
        if summary.entries == 0 { throw corrupt("the archive is empty") }
        if let required = policy.requiredFile,
           !FileSystem.exists(root + "/" + policy.topDirectory + "/" + required) {
            throw corrupt("it has no \(policy.topDirectory)/\(required)")
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

    private static func entryName(_ entry: OpaquePointer) throws -> String {
        if let name = gover_archive_entry_pathname(entry) ?? gover_archive_entry_pathname_utf8(entry) {
            return String(cString: name)
        }
        throw GoverError.unsafeArchive(entry: "?", reason: "has a name that cannot be decoded")
    }

    /// Normalises an entry name (drops `.` and empty components) and checks that it stays
    /// under the top directory.
    static func validatedPath(_ path: String, entry: String, policy: ExtractionPolicy) throws -> String {
        if path.hasPrefix("/") {
            throw GoverError.unsafeArchive(entry: entry, reason: "has an absolute path")
        }
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                throw GoverError.unsafeArchive(entry: entry, reason: "contains '..'")
            }
            components.append(component)
        }
        guard components.first == Substring(policy.topDirectory) else {
            throw GoverError.unsafeArchive(entry: entry, reason: "is outside the archive's \(policy.topDirectory)/ directory")
        }
        return components.joined(separator: "/")
    }

    private static func validateType(_ entry: OpaquePointer, name: String, relative: String,
                                     policy: ExtractionPolicy) throws {
        // libarchive's AE_IF* constants are the POSIX S_IF* values (its macros do not import).
        switch gover_archive_entry_filetype(entry) & S_IFMT {
        case S_IFREG, S_IFDIR:
            return
        case S_IFLNK:
            guard let target = gover_archive_entry_symlink(entry).map({ String(cString: $0) }) else {
                throw GoverError.unsafeArchive(entry: name, reason: "is a symlink without a target")
            }
            if target.hasPrefix("/") {
                throw GoverError.unsafeArchive(entry: name, reason: "is a symlink to an absolute path (\(target))")
            }
            // Resolve the target against the link's own directory, lexically: it must not
            // climb out of the top directory.
            var parts = relative.split(separator: "/").dropLast().map(String.init)
            for component in target.split(separator: "/", omittingEmptySubsequences: true) {
                if component == "." { continue }
                if component == ".." {
                    if parts.count <= 1 {
                        throw GoverError.unsafeArchive(entry: name, reason: "is a symlink pointing outside the tree (\(target))")
                    }
                    parts.removeLast()
                } else {
                    parts.append(String(component))
                }
            }
        default:
            throw GoverError.unsafeArchive(entry: name, reason: "is a device node, FIFO or socket")
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
        if code == ENOSPC || code == EDQUOT || code == EROFS || code == EACCES || code == EPERM || code == EFBIG
            || code == EIO {
            return .filesystem(path: root, operation: "write \(name) into", errno: code)
        }
        return .corruptArchive(file: "archive", reason: "\(name): \(text)")
    }
}


/// The symlinks an archive has created so far. Together with the lexical check that each
/// symlink's target stays inside the tree, refusing any entry below (or replacing) one of
/// them means every path is resolved through real directories only: no entry can reach
/// outside the destination, whatever the order or nesting of links.
struct SymlinkGuard {
    private var symlinks = Set<Substring>()

    mutating func created(_ path: String) {
        symlinks.insert(Substring(path))
    }

    /// `path` (normalised, relative) must not be, or lie below, a symlink.
    func check(_ path: String, entry: String) throws {
        guard !symlinks.isEmpty else { return }
        var end = path.endIndex
        while true {
            let prefix = path[..<end]
            if symlinks.contains(prefix) {
                let reason = end == path.endIndex ? "replaces the symlink \(prefix)" : "would be written through the symlink \(prefix)"
                throw GoverError.unsafeArchive(entry: entry, reason: reason)
            }
            guard let slash = path[..<end].lastIndex(of: "/") else { return }
            end = slash
        }
    }

    /// A hard link may not point at a symlink, nor through one.
    func checkHardLinkTarget(_ target: String, entry: String) throws {
        do {
            try check(target, entry: entry)
        } catch {
            throw GoverError.unsafeArchive(entry: entry, reason: "is a hard link to or through a symlink (\(target))")
        }
    }
}
