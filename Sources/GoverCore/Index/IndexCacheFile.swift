/// The cached release index, in a compact line format that reads ~10× faster than the
/// go.dev JSON it came from (`list --remote --all` must not spend 40 ms in JSONDecoder on
/// every call). One file holds both the validators and the releases, so they cannot
/// disagree. The release lines come first, each with the number of its file lines, and the
/// file lines after all of them: `list --remote` (which versions exist, the newest patch of
/// each line) reads the first few KiB whatever the number of files, so its cost follows the
/// number of releases, not the size of the index.
///
///     gover-index-cache 2
///     url\t<index URL>
///     etag\t<ETag or empty>
///     last-modified\t<Last-Modified or empty>
///     fetched-at\t<seconds since 1970>
///     releases\t<number of release lines>
///
///     go1.22.5\t1\t24
///     go1.22.4\t1\t24
///     ...
///     \tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t68000000\t<sha256>
///     ... (go1.22.5's 24 file lines, then go1.22.4's, ...)
///
/// Field values never contain tabs or newlines (go.dev's don't; any that do are dropped).
struct IndexCacheFile {
    static let magic = "gover-index-cache 2"
    /// Its name in the store's `cache/`.
    static let fileName = "index.v2"
    /// Earlier formats' names: not read (a store that has one refetches once), removed when
    /// the current file is written, counted as the index by `cache clean`.
    static let previousFileNames = ["index.v1"]
    /// What `list --remote` reads first: the header and the release lines of go.dev's
    /// ~360 releases take ~7 KiB.
    static let versionsPrefix = 1 << 16

    var url: String
    var etag: String?
    var lastModified: String?
    var fetchedAt: Double
    var index: ReleaseIndex

    func encoded() -> [UInt8] {
        func clean(_ field: String) -> Bool { !field.contains("\t") && !field.contains("\n") && !field.contains("\r") }
        var releaseLines = ""
        var fileLines = ""
        for release in index.releases {
            let files = release.files.filter { [$0.filename, $0.os, $0.arch, $0.kind, $0.sha256].allSatisfy(clean) }
            releaseLines += "\(release.version.name)\t\(release.stable ? 1 : 0)\t\(files.count)\n"
            for file in files {
                fileLines += "\t\(file.filename)\t\(file.os)\t\(file.arch)\t\(file.kind)\t\(file.size)\t\(file.sha256)\n"
            }
        }
        let header = "\(Self.magic)\nurl\t\(url)\netag\t\(etag ?? "")\nlast-modified\t\(lastModified ?? "")\nfetched-at\t\(fetchedAt)\nreleases\t\(index.releases.count)\n\n"
        return Array((header + releaseLines + fileLines).utf8)
    }

    /// Parses the file; nil if it is not one (older format, damaged): the caller refetches.
    /// `versionsOnly` stops after the release lines: the releases come without files, and
    /// `bytes` may be the file's first bytes only (`truncated`; a last line cut short is
    /// not read). nil then also means "not enough bytes": the caller reads the whole file.
    /// Lines are taken one at a time (never the whole file split up front: 64 MiB of
    /// newlines would be gigabytes of slices), the header has at most `headerLines` lines.
    init?(bytes: [UInt8], versionsOnly: Bool = false, truncated: Bool = false) {
        var bytes = bytes[...]
        if truncated {
            // Up to the last newline, not after it: nothing may look like the empty line
            // that ends the header.
            guard versionsOnly, let lastNewline = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return nil }
            bytes = bytes[..<lastNewline]
        }
        var lines = Lines(bytes: bytes)
        guard let first = lines.next(), first.elementsEqual(Self.magic.utf8) else { return nil }
        var header: [String: String] = [:]
        for lineNumber in 0... {
            guard let line = lines.next(), lineNumber <= Self.headerLines else { return nil }
            if line.isEmpty { break }
            let fields = line.split(separator: UInt8(ascii: "\t"), maxSplits: 1, omittingEmptySubsequences: false)
            guard fields.count == 2 else { return nil }
            header[String(decoding: fields[0], as: UTF8.self)] = String(decoding: fields[1], as: UTF8.self)
        }
        guard let url = header["url"], let fetchedAt = header["fetched-at"].flatMap(Double.init), fetchedAt.isFinite,
              fetchedAt >= 0, fetchedAt < 1e11, let releaseCount = header["releases"].flatMap(Self.count) else { return nil }
        self.url = url
        // Sent back to the server as If-None-Match / If-Modified-Since: only what a response
        // header could have given (printable ASCII), else the cache is simply not revalidated.
        self.etag = header["etag"].flatMap { $0.isEmpty ? nil : HeaderValues.validator($0) }
        self.lastModified = header["last-modified"].flatMap { $0.isEmpty ? nil : HeaderValues.validator($0) }
        self.fetchedAt = fetchedAt

        // The counts are a file's numbers: parsed with a digit limit, compared with the lines
        // actually there, never used to reserve memory. The same rules as the JSON decoder:
        // one release per version, stable only if the version is.
        var releases: [Release] = []
        var fileCounts: [Int] = []
        var seen = Set<GoVersion>()
        while releases.count < releaseCount {
            guard let line = lines.next() else { return nil }
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            guard fields.count == 3, let version = GoVersion(String(decoding: fields[0], as: UTF8.self)), version.isRelease,
                  seen.insert(version).inserted, fields[1].elementsEqual("0".utf8) || fields[1].elementsEqual("1".utf8),
                  let fileCount = Self.number(fields[2], maxDigits: 7).map({ Int($0) }) else { return nil }
            releases.append(Release(version: version, stable: fields[1].elementsEqual("1".utf8) && version.isStable, files: []))
            fileCounts.append(fileCount)
        }
        if versionsOnly {
            self.index = ReleaseIndex(releases: releases)
            return
        }
        for position in releases.indices {
            let version = releases[position].version.name
            for _ in 0..<fileCounts[position] {
                guard let line = lines.next(), line.first == UInt8(ascii: "\t") else { return nil }
                let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
                guard fields.count == 7, let size = Self.size(fields[5]) else { return nil }
                func text(_ field: Int) -> String { String(decoding: fields[field], as: UTF8.self) }
                // The same checks as the JSON: the cache is a file on disk, and a damaged or
                // edited one must not smuggle in what the index decoder refuses. (The version
                // is the release line's, already parsed.)
                let file = ReleaseFile(filename: text(1), os: text(2), arch: text(3), version: version,
                                       sha256: text(6), size: size, kind: text(4))
                guard file.problem(checkingVersion: false) == nil else { return nil }
                releases[position].files.append(file)
            }
        }
        // Nothing after the last release's files but the final newline.
        guard lines.next()?.isEmpty ?? true, lines.next() == nil else { return nil }
        self.index = ReleaseIndex(releases: releases)
    }

    /// More header lines than gover writes (6) is not a cache file.
    static let headerLines = 16

    /// The lines of `bytes`, one at a time; the text after the last newline is the last line
    /// (empty when the bytes end with one).
    private struct Lines {
        var bytes: ArraySlice<UInt8>
        var finished = false

        mutating func next() -> ArraySlice<UInt8>? {
            if finished { return nil }
            guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else {
                finished = true
                return bytes
            }
            defer { bytes = bytes[(newline + 1)...] }
            return bytes[..<newline]
        }
    }

    /// A file size in the file: digits only, at most 18 of them (no overflow).
    private static func size(_ field: ArraySlice<UInt8>) -> Int64? {
        number(field, maxDigits: 18)
    }

    /// A count in the file: digits only, at most 7 of them.
    private static func count(_ text: String) -> Int? {
        number(text.utf8, maxDigits: 7).map { Int($0) }
    }

    /// Decimal digits only (no sign, no spaces), 1 to `maxDigits` of them: a number as the
    /// writer wrote it, or nil.
    private static func number(_ digits: some Collection<UInt8>, maxDigits: Int) -> Int64? {
        guard (1...maxDigits).contains(digits.count) else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    init(url: String, etag: String?, lastModified: String?, fetchedAt: Double, index: ReleaseIndex) {
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.fetchedAt = fetchedAt
        self.index = index
    }
}
