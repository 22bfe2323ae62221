/// The cached release index, in a compact line format that reads ~10× faster than the
/// go.dev JSON it came from (`list --remote --all` must not spend 40 ms in JSONDecoder on
/// every call). One file holds both the validators and the releases, so they cannot
/// disagree:
///
///     gover-index-cache 1
///     url\t<index URL>
///     etag\t<ETag or empty>
///     last-modified\t<Last-Modified or empty>
///     fetched-at\t<seconds since 1970>
///
///     go1.22.5\t1
///     \tgo1.22.5.linux-amd64.tar.gz\tlinux\tamd64\tarchive\t68000000\t<sha256>
///     ...
///
/// Field values never contain tabs or newlines (go.dev's don't; any that do are dropped).
struct IndexCacheFile {
    static let magic = "gover-index-cache 1"
    /// Its name in the store's `cache/`.
    static let fileName = "index.v1"

    var url: String
    var etag: String?
    var lastModified: String?
    var fetchedAt: Double
    var index: ReleaseIndex

    func encoded() -> [UInt8] {
        var text = "\(Self.magic)\nurl\t\(url)\netag\t\(etag ?? "")\nlast-modified\t\(lastModified ?? "")\nfetched-at\t\(fetchedAt)\n\n"
        func clean(_ field: String) -> Bool { !field.contains("\t") && !field.contains("\n") && !field.contains("\r") }
        for release in index.releases {
            text += "\(release.version.name)\t\(release.stable ? 1 : 0)\n"
            for file in release.files where [file.filename, file.os, file.arch, file.kind, file.sha256].allSatisfy(clean) {
                text += "\t\(file.filename)\t\(file.os)\t\(file.arch)\t\(file.kind)\t\(file.size)\t\(file.sha256)\n"
            }
        }
        return Array(text.utf8)
    }

    /// Parses the file; nil if it is not one (older format, damaged): the caller refetches.
    /// `versionsOnly` skips the file lines (neither parsed nor validated, never used): the
    /// releases come without files.
    init?(bytes: [UInt8], versionsOnly: Bool = false) {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)[...]
        guard let first = lines.popFirst(), String(decoding: first, as: UTF8.self) == Self.magic else { return nil }
        var header: [String: String] = [:]
        while let line = lines.popFirst(), !line.isEmpty {
            let fields = line.split(separator: UInt8(ascii: "\t"), maxSplits: 1, omittingEmptySubsequences: false)
            guard fields.count == 2 else { return nil }
            header[String(decoding: fields[0], as: UTF8.self)] = String(decoding: fields[1], as: UTF8.self)
        }
        guard let url = header["url"], let fetchedAt = header["fetched-at"].flatMap(Double.init), fetchedAt.isFinite,
              fetchedAt >= 0, fetchedAt < 1e11 else { return nil }
        self.url = url
        self.etag = header["etag"].flatMap { $0.isEmpty ? nil : $0 }
        self.lastModified = header["last-modified"].flatMap { $0.isEmpty ? nil : $0 }
        self.fetchedAt = fetchedAt

        var releases: [Release] = []
        for line in lines where !line.isEmpty {
            if versionsOnly && line.first == UInt8(ascii: "\t") {
                if releases.isEmpty { return nil }
                continue
            }
            let fields = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            if line.first == UInt8(ascii: "\t") {
                guard fields.count == 7, !releases.isEmpty else { return nil }
                let text = fields.map { String(decoding: $0, as: UTF8.self) }
                // The same checks as the JSON: the cache is a file on disk, and a damaged or
                // edited one must not smuggle in what the index decoder refuses.
                guard text[5].utf8.count <= 18, let size = Int64(text[5]) else { return nil }
                let file = ReleaseFile(
                    filename: text[1], os: text[2], arch: text[3], version: releases[releases.count - 1].version.name,
                    sha256: text[6], size: size, kind: text[4])
                guard file.problem == nil else { return nil }
                releases[releases.count - 1].files.append(file)
            } else {
                guard fields.count == 2, let version = GoVersion(String(decoding: fields[0], as: UTF8.self)),
                      version.isRelease else { return nil }
                releases.append(Release(version: version, stable: fields[1].first == UInt8(ascii: "1"), files: []))
            }
        }
        self.index = ReleaseIndex(releases: releases)
    }

    init(url: String, etag: String?, lastModified: String?, fetchedAt: Double, index: ReleaseIndex) {
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.fetchedAt = fetchedAt
        self.index = index
    }
}
