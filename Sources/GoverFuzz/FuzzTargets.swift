@testable import GoverCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The parsers that read what gover does not control, each as a function of one input that
/// must never crash, hang or break its invariant (a violated one traps, which both libFuzzer
/// and the corpus replay report). `scripts/fuzz` runs them coverage-guided under libFuzzer;
/// the test suite replays the committed corpus (`Tests/FuzzCorpus/<target>/`).
enum FuzzTarget: String, CaseIterable {
    /// Command-line selectors and Go version names.
    case selector
    /// `.go-version`, `.tool-versions`, `go.mod`/`go.work` contents.
    case pin
    /// The go.dev JSON release index, as a server sends it.
    case index
    /// The compact index cache under `cache/` (local state another user may have written).
    case indexCache = "index-cache"
    /// Archive entry headers, as a sequence, through gover's own rules.
    case archiveEntries = "archive-entries"
    /// Raw tar bytes through the real libarchive extraction into a fresh directory.
    case archive
    /// What a checksum database answers: lookup records, signed tree notes, tile paths.
    case sumdb
    /// GOPROXY and GOSUMDB values, and a proxy's `@v/list`.
    case moduleProxy = "module-proxy"
    /// Raw zip bytes through the real libarchive streaming extraction of a toolchain module.
    case moduleZip = "module-zip"

    func run(_ bytes: [UInt8]) {
        switch self {
        case .selector: Self.selector(bytes)
        case .pin: Self.pin(bytes)
        case .index: Self.index(bytes)
        case .indexCache: Self.indexCache(bytes)
        case .archiveEntries: Self.archiveEntries(bytes)
        case .archive: Self.archive(bytes)
        case .sumdb: Self.sumdb(bytes)
        case .moduleProxy: Self.moduleProxy(bytes)
        case .moduleZip: Self.moduleZip(bytes)
        }
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func selector(_ bytes: [UInt8]) {
        let text = text(bytes)
        if let version = GoVersion(text) {
            // A parsed version names itself: its name parses back to an equal version.
            guard let again = GoVersion(version.name), again == version, again.name == version.name,
                  !(version < version) else { fatalError("GoVersion round trip broke for \(text.debugDescription)") }
        }
        if let selector = try? VersionSelector(parsing: text) {
            _ = selector.description
            let candidates = ["go1.20", "go1.21.0", "go1.21rc2", "go1.22.5", "go1.9.2rc2"].compactMap(GoVersion.init)
            if let chosen = selector.resolve(in: candidates), !selector.matches(chosen) {
                fatalError("selector \(text.debugDescription) resolved to a version it does not match")
            }
            _ = selector.nearest(in: candidates)
        }
    }

    private static func pin(_ bytes: [UInt8]) {
        let text = text(bytes)
        let candidates = ["go1.20", "go1.21.0", "go1.22.5"].compactMap(GoVersion.init)
        for parse in [{ try PinParser.goVersionFile(text, path: ".go-version").map { $0.requirement } },
                      { try PinParser.toolVersions(text, path: ".tool-versions").map { $0.requirement } },
                      { try PinParser.goModule(text, path: "go.mod").map { $0.requirement } }] {
            guard let requirement = try? parse() else { continue }
            _ = requirement.description
            if let newest = requirement.newest(in: candidates), !requirement.isSatisfied(by: newest) {
                fatalError("pin \(text.debugDescription) chose a version that does not satisfy it")
            }
        }
    }

    private static func index(_ bytes: [UInt8]) {
        guard let index = try? ReleaseIndex(json: Data(bytes)) else { return }
        let platform = Platform(os: "linux", arch: "amd64")
        for release in index.releases {
            _ = release.archive(for: platform)
            _ = release.archivePlatforms
            // Whatever an index admits is safe to use as a path component and to print.
            for file in release.files where PlainFilename.problem(with: file.filename) != nil || file.size < 0 {
                fatalError("the index admitted an unsafe file entry: \(file.filename.debugDescription) size \(file.size)")
            }
        }
        _ = index.newestPerLine()
        // What the index says must survive the cache format unchanged.
        let cache = IndexCacheFile(url: "https://example.invalid/", etag: nil, lastModified: nil, fetchedAt: 0, index: index)
        guard let reread = IndexCacheFile(bytes: cache.encoded()) else { fatalError("the cache of a decoded index does not parse") }
        if reread.index.versions != index.versions { fatalError("the cache lost or reordered releases") }
    }

    private static func indexCache(_ bytes: [UInt8]) {
        // The release lines read alone (from any prefix of the file) are the whole file's.
        let versions = IndexCacheFile(bytes: bytes, versionsOnly: true)?.index.versions
        let cut = bytes.count / 2
        let fromPrefix = IndexCacheFile(bytes: Array(bytes.prefix(cut)), versionsOnly: true, truncated: true)?.index.versions
        if let fromPrefix, fromPrefix != versions { fatalError("a prefix of the cache lists other versions than the file") }
        guard let cache = IndexCacheFile(bytes: bytes) else { return }
        if versions != cache.index.versions { fatalError("the release lines read alone differ from the whole file's") }
        _ = cache.index.newestPerLine()
        guard let reread = IndexCacheFile(bytes: cache.encoded()), reread.index.versions == cache.index.versions else {
            fatalError("a parsed cache file does not survive being written again")
        }
    }

    /// Each entry: 1 byte kind, 2 bytes mode, 1 byte name length, name, and for links 1 byte
    /// target length and target. Whatever the rules admit must be a normalised path under
    /// `go/` with no `..` component and no group/other write.
    private static func archiveEntries(_ bytes: [UInt8]) {
        var policy = ExtractionPolicy(maxExpandedBytes: 1 << 20)
        policy.maxEntries = 64
        var rules = EntryRules(policy: policy)
        var input = bytes[...]
        func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard input.count >= count else { return nil }
            defer { input = input.dropFirst(count) }
            return input.prefix(count)
        }
        while let head = take(4), let name = take(Int(head[head.startIndex + 3])) {
            let selector = head[head.startIndex]
            let mode = UInt32(head[head.startIndex + 1]) << 8 | UInt32(head[head.startIndex + 2])
            let kind: ArchiveEntryHeader.Kind
            switch selector % 5 {
            case 0: kind = .file
            case 1: kind = .directory
            case 2, 3:
                guard let length = take(1), let target = take(Int(length[length.startIndex])) else { return }
                kind = selector % 5 == 2 ? .symlink(target: text(Array(target))) : .hardLink(target: text(Array(target)))
            default: kind = .other(fileType: UInt32(selector) << 12)
            }
            let header = ArchiveEntryHeader(name: text(Array(name)), kind: kind, size: Int64(mode), permissions: mode)
            // The one-pass path for already normalised names answers as the general one does.
            if let fast = EntryRules.alreadyNormalised(header.name, topDirectory: policy.topDirectory) {
                let general = try? EntryRules.normalisedPath(header.name, entry: header.name, policy: policy)
                if general.map({ Array($0.utf8) }) != Array(fast.utf8) {
                    fatalError("the fast path normalised \(header.name.debugDescription) to \(fast.debugDescription), the general one to \(general.debugDescription)")
                }
            }
            guard let admitted = try? rules.admit(header) else { continue }
            // On bytes, as the kernel splits paths (a Swift Character glues "/" to a following
            // combining mark: the fuzzer found exactly that in an earlier version of this check).
            let components = admitted.path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
                .map { Array($0) }
            guard components.first == Array("go".utf8), !components.contains(Array("..".utf8)), !components.contains([]),
                  !components.contains(Array(".".utf8)), admitted.permissions & 0o7022 == 0 else {
                fatalError("admitted an unsafe entry: \(admitted)")
            }
        }
    }

    /// Extracts into `<fresh>/stage`; afterwards `<fresh>` may hold nothing but `stage`, and
    /// no symlink in the tree may resolve outside it.
    private static func archive(_ bytes: [UInt8]) {
        extractInFreshBox(bytes, layout: .releaseTarball(moduleVersion: nil)) { stage, _ in
            guard let realStage = try? FileSystem.realPath(stage) else { fatalError("staging vanished") }
            checkTree(stage, realRoot: realStage)
        }
    }

    /// Extracts `bytes` into `<fresh>/stage` (small limits), checks that `<fresh>` holds
    /// nothing but `stage` afterwards, then hands the stage and the summary (nil: refused) to
    /// `check`; the box is removed after.
    private static func extractInFreshBox(_ bytes: [UInt8], layout: ArchiveLayout,
                                          check: (_ stage: String, _ summary: ExtractionSummary?) -> Void) {
        var template = Array("/tmp/gover-fuzz-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return }
        let box = String(cString: created)
        let stage = box + "/stage"
        mkdir(stage, 0o755)
        defer { try? FileSystem.removeTree(box) }
        var policy = ExtractionPolicy(maxExpandedBytes: 8 << 20)
        policy.maxEntries = 256
        if case .toolchainModuleZip = layout { policy.requiredExecutable = nil }
        let summary = try? ArchiveExtractor.extract(from: BytesSource(bytes), gzipped: false, layout: layout, into: stage, policy: policy)
        let neighbours = FileSystem.directoryEntries(box)
        guard neighbours == ["stage"] else { fatalError("extraction wrote beside the staging directory: \(neighbours)") }
        check(stage, summary)
    }

    /// x/mod's test database key: a note it verifies must be one it signed.
    private static let testVerifier = try? NoteVerifier(verifierKey: "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6")

    private static func sumdb(_ bytes: [UInt8]) {
        if let record = try? LogRecord(bytes) {
            // A record's id is a plain non-negative number and its text lines as the log writes them.
            guard record.id >= 0, LogRecord.isValidText(record.text),
                  (try? LogRecord(LogRecord.format(id: record.id, text: record.text) + record.rest)) == record else {
                fatalError("a parsed record does not survive being written again")
            }
        }
        if let tree = try? LogTree(noteText: bytes) {
            guard tree.size >= 0, tree.size <= LogTree.maxSize, (try? LogTree(noteText: tree.noteText)) == tree else {
                fatalError("a parsed tree note does not survive being written again: \(tree)")
            }
        }
        if let testVerifier, let note = try? SignedNote.open(bytes, verifiers: [testVerifier]) {
            // Only x/mod's test signer could have made it: the fuzzer cannot forge Ed25519.
            guard !note.signatures.isEmpty else { fatalError("a note opened without a verified signature") }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let tile = try? LogTile(path: text) {
            guard (try? LogTile(path: tile.path)) == tile else { fatalError("tile path \(text.debugDescription) does not round-trip") }
        }
    }

    private static func moduleProxy(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        if let list = try? ModuleProxyList(parsing: text) {
            // Every URL gover will request is http(s) or file, without spaces or controls.
            // On bytes (a combining mark would glue itself to a `/` in a Character comparison);
            // schemes are case-insensitive (libcurl takes `HTTPS://` too).
            for url in list.baseURLs where !["https://", "http://", "file://"].contains(where: { url.lowercased().utf8.starts(with: $0.utf8) })
                || url.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) {
                fatalError("GOPROXY \(text.debugDescription) gave the URL \(url.debugDescription)")
            }
        }
        if let setting = try? ChecksumDatabaseSetting.parse(text) {
            guard !setting.name.isEmpty, (try? NoteVerifier(verifierKey: setting.verifierKey)) != nil else {
                fatalError("GOSUMDB \(text.debugDescription) parsed to an unusable setting \(setting)")
            }
        }
        // Whatever a list admits names one plain `.zip` and a platform of plain words.
        let index = ToolchainModuleIndex.parse(bytes)
        for release in index.releases {
            for file in release.files where PlainFilename.problem(with: file.filename, suffix: ".zip") != nil
                || file.version != release.version.name || !file.filename.hasPrefix("v0.0.1-\(release.version.name).") {
                fatalError("a proxy list admitted \(file.filename.debugDescription)")
            }
        }
    }

    /// Extracts into `<fresh>/stage` as a module zip; afterwards `<fresh>` holds only `stage`,
    /// and the tree only directories and regular files (a module has nothing else).
    private static func moduleZip(_ bytes: [UInt8]) {
        extractInFreshBox(bytes, layout: .toolchainModuleZip(moduleVersion: "v0.0.1-go1.22.5.linux-amd64")) { stage, summary in
            if let summary, summary.moduleHash == nil { fatalError("a module zip was extracted without its h1: hash") }
            checkOnlyFilesAndDirectories(stage)
        }
    }

    private static func checkOnlyFilesAndDirectories(_ directory: String) {
        for name in FileSystem.directoryEntries(directory) {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: checkOnlyFilesAndDirectories(path)
            case S_IFREG: break
            default: fatalError("a module zip made \(path), neither a file nor a directory")
            }
        }
    }

    private static func checkTree(_ directory: String, realRoot: String) {
        for name in FileSystem.directoryEntries(directory) {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                if let resolved = try? FileSystem.realPath(path), resolved != realRoot, !resolved.utf8.starts(with: (realRoot + "/").utf8) {
                    fatalError("symlink \(path) resolves outside the tree: \(resolved)")
                }
            } else if (info.st_mode & S_IFMT) == S_IFDIR {
                checkTree(path, realRoot: realRoot)
            }
        }
    }
}

/// The fuzz input as the extractor's byte source.
private final class BytesSource: ByteSource {
    private var remaining: ArraySlice<UInt8>

    init(_ bytes: [UInt8]) { remaining = bytes[...] }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, remaining.count)
        remaining.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        remaining = remaining.dropFirst(count)
        return count
    }
}
