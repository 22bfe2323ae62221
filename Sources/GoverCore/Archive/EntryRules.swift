/// What an archive may contain.
public struct ExtractionPolicy: Sendable {
    /// Every entry must live under this top directory (go.dev archives: `go/`).
    public var topDirectory = "go"
    /// Refuse archives that expand past this many bytes (a gzip bomb guard).
    public var maxExpandedBytes: Int64
    /// Refuse archives with more entries than this (an inode bomb guard: 300k empty files
    /// compress to 1.9 MB, far under any byte limit). A go.dev archive has 10–15k entries.
    public var maxEntries = 50_000
    /// A file that must exist once extraction is complete, relative to the top directory:
    /// a regular file with an execute bit.
    public var requiredExecutable: String? = "bin/go"

    public init(maxExpandedBytes: Int64) {
        self.maxExpandedBytes = maxExpandedBytes
    }

    /// A Go tree expands to about 3.1× its `.tar.gz`; 16× leaves room and still stops bombs.
    /// `size` comes from an index: anything outside 1 MiB…4 GiB is clamped into it, so the
    /// multiplication cannot overflow.
    public static func forArchive(ofSize size: Int64) -> ExtractionPolicy {
        ExtractionPolicy(maxExpandedBytes: min(max(size, 1 << 20), 4 << 30) * 16)
    }
}

/// One archive entry as gover's checks see it: plain Swift values, no C types, so that the
/// rules can be unit-tested and fuzzed without libarchive.
public struct ArchiveEntryHeader: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case file
        case directory
        case symlink(target: String)
        case hardLink(target: String)
        /// Anything else, with its `S_IFMT` bits: devices, FIFOs, sockets, unknown types.
        case other(fileType: UInt32)
    }

    public var name: String
    public var kind: Kind
    /// The size the header declares (libarchive's `int64`; may be hostile).
    public var size: Int64
    public var permissions: UInt32

    public init(name: String, kind: Kind, size: Int64 = 0, permissions: UInt32 = 0o644) {
        self.name = name
        self.kind = kind
        self.size = size
        self.permissions = permissions
    }
}

/// What the rules let an entry become on disk.
public struct AdmittedEntry: Sendable, Equatable {
    /// Normalised path relative to the destination (`go/bin/go`).
    public var path: String
    /// For a hard link: the normalised path of the regular file it links to.
    public var hardLinkTarget: String?
    /// The mode bits to write: the archive's, without setuid/setgid/sticky and without
    /// group/other write (a store made by root serves other users, who must not be able to
    /// replace a compiler tool).
    public var permissions: UInt32
}

/// gover's own rules for the entries of a toolchain archive, applied in archive order:
/// a relative path under the top directory, no `..`, no control characters; only regular
/// files, directories, symlinks whose target stays in the tree (`..` only as a leading run)
/// and hard links to regular files the archive already wrote; nothing written through or
/// replacing one of the archive's symlinks; at most `maxEntries` entries and
/// `maxExpandedBytes` declared bytes. All path checks work on UTF-8 bytes, as the kernel
/// does: Swift's `Character`s would glue a `/` to a following combining mark or zero-width
/// joiner and hide a separator.
public struct EntryRules {
    public let policy: ExtractionPolicy
    private var links = SymlinkGuard()
    public private(set) var entries = 0
    public private(set) var declaredBytes: Int64 = 0

    public init(policy: ExtractionPolicy) {
        self.policy = policy
    }

    /// Whether an admitted entry so far was a symlink (the extractor then also turns on
    /// libarchive's filesystem-level `SECURE_SYMLINKS`).
    public var hasSymlinks: Bool { links.hasSymlinks }

    /// Checks the next entry; throws `GoverError.unsafeArchive` naming the entry and the
    /// true reason, or returns what may be written.
    public mutating func admit(_ header: ArchiveEntryHeader) throws -> AdmittedEntry {
        let name = header.name
        entries += 1
        if entries > policy.maxEntries {
            throw GoverError.unsafeArchive(entry: name, reason: "is one entry too many: the archive has more than \(policy.maxEntries) (a Go archive has about 15,000; an inode bomb?)")
        }
        let path = try Self.validatedPath(name, entry: name, policy: policy)
        var hardLinkTarget: String?
        switch header.kind {
        case .file, .directory:
            break
        case .symlink(let target):
            try Self.checkSymlinkTarget(target, of: path, entry: name)
        case .hardLink(let target):
            let normalised: String
            do {
                normalised = try Self.validatedPath(target, entry: name, policy: policy)
            } catch GoverError.unsafeArchive(_, let reason) {
                throw GoverError.unsafeArchive(entry: name, reason: "is a hard link whose target \(reason) (\(target))")
            }
            try links.checkHardLinkTarget(normalised, entry: name)
            hardLinkTarget = normalised
        case .other(let fileType):
            throw GoverError.unsafeArchive(entry: name, reason: "is \(Self.describe(fileType: fileType)), which a Go toolchain never contains")
        }
        try links.check(path, entry: name)
        let key = PathKey(path)
        try links.checkSameKind(key, replacingWith: header.kind, entry: name)

        guard header.size >= 0 else {
            throw GoverError.unsafeArchive(entry: name, reason: "declares a negative size")
        }
        let (sum, overflow) = declaredBytes.addingReportingOverflow(header.size)
        if overflow || sum > policy.maxExpandedBytes {
            throw GoverError.unsafeArchive(entry: name, reason: "makes the archive expand past \(formatBytes(policy.maxExpandedBytes)) (a decompression bomb?)")
        }
        declaredBytes = sum

        switch header.kind {
        case .symlink: links.created(.symlink, key)
        case .file, .hardLink: links.created(.regularFile, key)
        case .directory: links.created(.directory, key)
        default: break
        }
        return AdmittedEntry(path: path, hardLinkTarget: hardLinkTarget, permissions: header.permissions & 0o755)
    }

    /// Normalises an entry name (drops `.` and empty components) and checks that it stays
    /// under the top directory and is free of control characters.
    static func validatedPath(_ path: String, entry: String, policy: ExtractionPolicy) throws -> String {
        if let normalised = alreadyNormalised(path, topDirectory: policy.topDirectory) { return normalised }
        return try normalisedPath(path, entry: entry, policy: policy)
    }

    /// The name itself when it is what `normalisedPath` would return, give or take one
    /// trailing `/` (tar's directory names): under the top directory, no empty, `.` or `..`
    /// component, no control character. One pass over the bytes and no copy, for the
    /// ~10,000 names of a Go archive; anything else (nil) goes the general way, which also
    /// says what is wrong.
    static func alreadyNormalised(_ path: String, topDirectory: String) -> String? {
        let bytes = path.utf8
        let top = topDirectory.utf8
        // A top directory of several components never matches one component in the general
        // path: nothing is fast then.
        guard !top.isEmpty, !top.contains(slash), bytes.starts(with: top) else { return nil }
        if bytes.count > top.count, bytes[bytes.index(bytes.startIndex, offsetBy: top.count)] != slash { return nil }
        var length = 0
        var dots = 0
        for byte in bytes {
            if byte < 0x20 || byte == 0x7F { return nil }
            if byte == slash {
                if length == 0 || (dots == length && length <= 2) { return nil }
                length = 0
                dots = 0
            } else {
                length += 1
                if byte == UInt8(ascii: ".") { dots += 1 }
            }
        }
        if length > 0 { return dots == length && length <= 2 ? nil : path }
        // Ends with the one `/` that came after a plain component (`go/bin/`).
        return String(decoding: bytes.dropLast(), as: UTF8.self)
    }

    /// The general case: drops `.` and empty components, refuses the rest.
    static func normalisedPath(_ path: String, entry: String, policy: ExtractionPolicy) throws -> String {
        if path.utf8.first == slash {
            throw GoverError.unsafeArchive(entry: entry, reason: "has an absolute path")
        }
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw GoverError.unsafeArchive(entry: entry, reason: "has a control character in a path")
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

    /// `..` only as a leading run, resolved lexically from the link's own directory (a real
    /// directory: `SymlinkGuard` refuses entries below links), and never past the top
    /// directory. A `..` after a component that may itself be a link (`s/..` with `s -> .`)
    /// would be resolved by the kernel somewhere else.
    static func checkSymlinkTarget(_ target: String, of path: String, entry: String) throws {
        if target.isEmpty {
            throw GoverError.unsafeArchive(entry: entry, reason: "is a symlink without a target")
        }
        if target.utf8.first == slash {
            throw GoverError.unsafeArchive(entry: entry, reason: "is a symlink to an absolute path (\(target))")
        }
        if target.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw GoverError.unsafeArchive(entry: entry, reason: "is a symlink whose target has a control character")
        }
        var depth = path.utf8.split(separator: slash).count - 1
        var leading = true
        for component in target.utf8.split(separator: slash, omittingEmptySubsequences: true) {
            if component.elementsEqual(dot) { continue }
            if component.elementsEqual(dotDot) {
                guard leading else {
                    throw GoverError.unsafeArchive(entry: entry, reason: "is a symlink with '..' after a directory name (\(target))")
                }
                depth -= 1
                if depth < 1 {
                    throw GoverError.unsafeArchive(entry: entry, reason: "is a symlink pointing outside the tree (\(target))")
                }
            } else {
                leading = false
            }
        }
    }

    /// libarchive's AE_IF* constants are the POSIX S_IF* values (its macros do not import).
    static func describe(fileType: UInt32) -> String {
        switch mode_t(fileType) & S_IFMT {
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        default: return "an entry of unknown type (mode \(String(fileType, radix: 8)))"
        }
    }
}

/// The symlinks, regular files and directories an archive has created so far, by their
/// normalised relative paths (compared as UTF-8 bytes, exactly as the kernel would).
///
/// Refusing any entry below (or replacing) one of the archive's symlinks, with each
/// link's target restricted to a leading run of `..` that stays inside the tree, means
/// every path is resolved through real directories only. On filesystems that fold case or
/// Unicode normalisation (macOS, vfat) two different names can be one file, so once an
/// archive has any symlink the extractor also turns on libarchive's `SECURE_SYMLINKS`,
/// which checks the real filesystem; go.dev archives have none and keep the fast path.
struct SymlinkGuard {
    enum Kind: String {
        case regularFile = "regular file", directory, symlink
    }

    /// One table for all kinds: an entry costs one lookup and one insertion.
    private var created: [PathKey: Kind] = [:]
    private var symlinks = 0

    init() {
        created.reserveCapacity(16_384)
    }

    var hasSymlinks: Bool { symlinks > 0 }

    mutating func created(_ kind: Kind, _ path: PathKey) {
        if created.updateValue(kind, forKey: path) != .symlink, kind == .symlink { symlinks += 1 }
    }

    /// `path` (normalised, relative) must not be, or lie below, a symlink.
    func check(_ path: String, entry: String) throws {
        guard hasSymlinks else { return }
        let bytes = path.utf8
        var end = bytes.endIndex
        while end > bytes.startIndex {
            let prefix = String(Substring(bytes[..<end]))
            if created[PathKey(prefix)] == .symlink {
                let reason = end == bytes.endIndex ? "replaces the symlink \(prefix)" : "would be written through the symlink \(prefix)"
                throw GoverError.unsafeArchive(entry: entry, reason: reason)
            }
            guard let separator = bytes[..<end].lastIndex(of: slash) else { return }
            end = separator
        }
    }

    /// An entry may replace an earlier one of its own kind (tar's "last one wins"), never one
    /// of another: a regular file turned into a symlink would leave a stale name that a later
    /// hard link could copy to a shallower depth, where its relative target climbs out of the
    /// tree; a directory turned into a file or link would orphan what was checked below it.
    /// (A symlink being replaced is refused by `check`.)
    func checkSameKind(_ path: PathKey, replacingWith kind: ArchiveEntryHeader.Kind, entry: String) throws {
        guard let existing = created[path], existing != .symlink else { return }
        let new: Kind
        switch kind {
        case .file, .hardLink: new = .regularFile
        case .directory: new = .directory
        case .symlink: new = .symlink
        case .other: return  // refused by type
        }
        if new != existing {
            throw GoverError.unsafeArchive(entry: entry, reason: "replaces the \(existing.rawValue) \(path.path) with a \(new.rawValue)")
        }
    }

    /// A hard link must name a regular file this archive has already written: not a
    /// directory (link(2) refuses those), not a symlink, nothing through a symlink, nothing
    /// outside the tree.
    func checkHardLinkTarget(_ target: String, entry: String) throws {
        guard created[PathKey(target)] == .regularFile else {
            throw GoverError.unsafeArchive(entry: entry, reason: "is a hard link to something that is not a regular file of the archive (\(target))")
        }
    }
}

/// A path as a table key, equal only to the same bytes (`String`'s own `==` would also
/// match a canonically equivalent spelling, which the kernel treats as another name), and
/// hashed as one block of bytes rather than byte by byte as `[UInt8]` is.
struct PathKey: Hashable {
    let path: String

    init(_ path: String) {
        self.path = path
    }

    static func == (lhs: PathKey, rhs: PathKey) -> Bool {
        withBytes(of: lhs.path) { left in withBytes(of: rhs.path) { left.elementsEqual($0) } }
    }

    func hash(into hasher: inout Hasher) {
        withBytes(of: path) { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

private let slash = UInt8(ascii: "/")
private let dot = ".".utf8
private let dotDot = "..".utf8
