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
/// gover validates every entry itself, on UTF-8 bytes: a relative path under the top
/// directory, no `..`, only regular files, directories and links, symlink targets inside
/// the tree (`..` only as a leading run), hard links only to regular files already
/// written, nothing written through or replacing a symlink of the archive
/// (`SymlinkGuard`), no setuid/setgid/sticky bits. libarchive then writes with
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
            switch gover_archive_entry_filetype(entry) & S_IFMT {
            case S_IFLNK:
                if !links.hasSymlinks { gover_archive_write_disk_set_options(writer, flags | ARCHIVE_EXTRACT_SECURE_SYMLINKS) }
                links.createdSymlink(relative)
            case S_IFREG:
                // A hard-link entry is a regular file too, once its target was checked.
                links.createdRegularFile(relative)
            default:
                break
            }
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
    /// under the top directory. Works on UTF-8 bytes, as the kernel does: Swift's
    /// `Character`s would glue a `/` to a following combining mark or zero-width joiner and
    /// hide a path separator from the checks.
    static func validatedPath(_ path: String, entry: String, policy: ExtractionPolicy) throws -> String {
        if path.utf8.first == slash {
            throw GoverError.unsafeArchive(entry: entry, reason: "has an absolute path")
        }
        var components: [Substring.UTF8View] = []
        for component in path.utf8.split(separator: slash, omittingEmptySubsequences: true) {
            if component.elementsEqual(dot) { continue }
            if component.elementsEqual(dotDot) {
                throw GoverError.unsafeArchive(entry: entry, reason: "contains '..'")
            }
            components.append(Substring(component).utf8)
        }
        guard let first = components.first, first.elementsEqual(policy.topDirectory.utf8) else {
            throw GoverError.unsafeArchive(entry: entry, reason: "is outside the archive's \(policy.topDirectory)/ directory")
        }
        var joined: [UInt8] = []
        for (index, component) in components.enumerated() {
            if index > 0 { joined.append(slash) }
            joined.append(contentsOf: component)
        }
        return String(decoding: joined, as: UTF8.self)
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
            // `..` only as a leading run, resolved lexically from the link's own directory
            // (a real directory: SymlinkGuard refuses entries below links), and never past
            // the top directory. A `..` after a component that may itself be a link
            // (`s/..` with `s -> .`) would be resolved by the kernel somewhere else.
            var depth = relative.utf8.split(separator: slash).count - 1
            var leading = true
            for component in target.utf8.split(separator: slash, omittingEmptySubsequences: true) {
                if component.elementsEqual(dot) { continue }
                if component.elementsEqual(dotDot) {
                    guard leading else {
                        throw GoverError.unsafeArchive(entry: name, reason: "is a symlink with '..' after a directory name (\(target))")
                    }
                    depth -= 1
                    if depth < 1 {
                        throw GoverError.unsafeArchive(entry: name, reason: "is a symlink pointing outside the tree (\(target))")
                    }
                } else {
                    leading = false
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


/// The symlinks and regular files an archive has created so far, by their normalised
/// relative paths (as UTF-8 bytes: compared exactly as the kernel would).
///
/// Refusing any entry below (or replacing) one of the archive's symlinks, with each
/// link's target restricted to a leading run of `..` that stays inside the tree, means
/// every path is resolved through real directories only. On filesystems that fold case or
/// Unicode normalisation (macOS, vfat) two different names can be one file, so once an
/// archive has any symlink the extractor also turns on libarchive's `SECURE_SYMLINKS`,
/// which checks the real filesystem; go.dev archives have none and keep the fast path.
struct SymlinkGuard {
    private var symlinks = Set<[UInt8]>()
    private var regularFiles = Set<[UInt8]>()

    var hasSymlinks: Bool { !symlinks.isEmpty }

    mutating func createdSymlink(_ path: String) {
        symlinks.insert(Array(path.utf8))
    }

    mutating func createdRegularFile(_ path: String) {
        regularFiles.insert(Array(path.utf8))
    }

    /// `path` (normalised, relative) must not be, or lie below, a symlink.
    func check(_ path: String, entry: String) throws {
        guard !symlinks.isEmpty else { return }
        let bytes = Array(path.utf8)
        var end = bytes.count
        while end > 0 {
            let prefix = Array(bytes[..<end])
            if symlinks.contains(prefix) {
                let link = String(decoding: prefix, as: UTF8.self)
                let reason = end == bytes.count ? "replaces the symlink \(link)" : "would be written through the symlink \(link)"
                throw GoverError.unsafeArchive(entry: entry, reason: reason)
            }
            guard let separator = bytes[..<end].lastIndex(of: slash) else { return }
            end = separator
        }
    }

    /// A hard link must name a regular file this archive has already written: not a
    /// directory (link(2) refuses those), not a symlink, nothing through a symlink.
    func checkHardLinkTarget(_ target: String, entry: String) throws {
        guard regularFiles.contains(Array(target.utf8)) else {
            throw GoverError.unsafeArchive(entry: entry, reason: "is a hard link to something that is not a regular file of the archive (\(target))")
        }
    }
}

private let slash = UInt8(ascii: "/")
private let dot = ".".utf8
private let dotDot = "..".utf8
