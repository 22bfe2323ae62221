/// Where the release index and the archives come from.
///
/// By default the index is go.dev's and the files are dl.google.com's. `GOVER_MIRROR`
/// (or `--mirror`) is a comma-separated list of base URLs or aliases (`official`,
/// `china`), tried in order for each file. Digests always come from an index: the one
/// `GOVER_INDEX_URL` names, else each mirror's own (`<base>?mode=json&include=all`) in
/// order, else go.dev's — a mirror that serves only files works as long as some index is
/// reachable. `file://` mirrors keep their index as `<base>index.json`, and so do static
/// HTTP mirrors whose query URL does not answer with an index.
public struct MirrorSources: Sendable, Equatable {
    public static let officialIndex = "https://go.dev/dl/?mode=json&include=all"
    public static let officialFiles = "https://dl.google.com/go/"
    public static let aliases = ["china": "https://golang.google.cn/dl/"]

    /// Index URLs in the order they are tried.
    public var indexURLs: [String]
    /// File base URLs (ending in `/`) in the order they are tried.
    public var fileBaseURLs: [String]
    /// For each HTTP(S) mirror's query index: its static `<base>index.json`. Never for an
    /// index the user named (`GOVER_INDEX_URL`) or go.dev's.
    public var staticIndexFallbacks: [String: String]
    /// `GOVER_MIRROR=goproxy` or `goproxy:<url>` entries: toolchains come from these module
    /// proxies as `golang.org/toolchain` modules, verified by the checksum database.
    public var moduleProxies: ModuleProxyList?

    public init(indexURLs: [String] = [officialIndex], fileBaseURLs: [String] = [officialFiles],
                staticIndexFallbacks: [String: String] = [:]) {
        self.indexURLs = indexURLs
        self.fileBaseURLs = fileBaseURLs
        self.staticIndexFallbacks = staticIndexFallbacks
    }

    /// Builds the sources from `--mirror`/`GOVER_MIRROR`, `GOVER_INDEX_URL` and `GOPROXY`.
    /// `goproxy` stands for the `GOPROXY` list (as the go command reads it), `goproxy:<url>`
    /// for one proxy; such entries cannot be mixed with release mirrors, whose files are
    /// different (a `.tar.gz` checked by an index, not a module zip checked by the database).
    /// `goproxy` is read only when an entry is `goproxy` (it may mean reading go's env file).
    public static func resolve(mirror: String?, indexOverride: String?,
                               goproxy: @autoclosure () -> String?) throws(GoverError) -> MirrorSources {
        let entries = (mirror ?? "").split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        let isProxy: (String) -> Bool = { $0 == "goproxy" || $0.hasPrefix("goproxy:") }
        guard entries.contains(where: isProxy) else { return MirrorSources(mirror: mirror, indexOverride: indexOverride) }
        guard entries.allSatisfy(isProxy) else {
            throw GoverError.invalidModuleSetting(name: "GOVER_MIRROR", value: mirror ?? "", reason: "module proxies (goproxy, goproxy:<url>) and release mirrors cannot be mixed in one list; choose one kind")
        }
        var list: [ModuleProxyList.Entry] = []
        for entry in entries {
            let parsed = entry == "goproxy" ? try ModuleProxyList(parsing: goproxy())
                                            : try ModuleProxyList(parsing: String(entry.dropFirst("goproxy:".count)))
            list += parsed.entries
        }
        var sources = MirrorSources(indexURLs: [], fileBaseURLs: [])
        sources.moduleProxies = ModuleProxyList(entries: list)
        sources.indexURLs = ModuleProxyList(entries: list).baseURLs.map(ToolchainModuleIndex.listURL(proxy:))
        if sources.indexURLs.isEmpty { sources.indexURLs = ["GOPROXY=off"] }
        return sources
    }

    /// Builds the sources from `--mirror`/`GOVER_MIRROR` and `GOVER_INDEX_URL`.
    public init(mirror: String?, indexOverride: String?) {
        var files: [String] = []
        var indexes: [String] = []
        var fallbacks: [String: String] = [:]
        let entries = (mirror ?? "").split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        for entry in entries {
            if entry == "official" {
                files.append(Self.officialFiles)
                indexes.append(Self.officialIndex)
                continue
            }
            var base = Self.aliases[entry] ?? entry
            if !base.hasSuffix("/") { base += "/" }
            files.append(base)
            if base.hasPrefix("file://") {
                indexes.append(base + "index.json")
            } else {
                indexes.append(base + "?mode=json&include=all")
                fallbacks[base + "?mode=json&include=all"] = base + "index.json"
            }
        }
        if files.isEmpty { files = [Self.officialFiles] }
        if !indexes.contains(Self.officialIndex) { indexes.append(Self.officialIndex) }
        if let indexOverride, !indexOverride.isEmpty {
            indexes = [indexOverride]
            fallbacks = [:]
        }
        var seen = Set<String>()
        self.init(indexURLs: indexes.filter { seen.insert($0).inserted }, fileBaseURLs: files, staticIndexFallbacks: fallbacks)
    }

    /// A static server (nginx, S3, a synced directory) answers `<base>?mode=json&include=all`
    /// with its directory page or a 404: its index is then `<base>index.json`, the file
    /// `gover mirror sync` writes. Nil for URLs that are not a mirror's query index.
    public func staticIndexURL(for url: String) -> String? {
        staticIndexFallbacks[url]
    }

    /// Every URL an index may have come from (the cache is only used for these).
    public var acceptedIndexURLs: [String] { indexURLs + indexURLs.compactMap(staticIndexURL(for:)) }

    /// The primary index URL (what the cache is keyed on and messages name).
    public var indexURL: String { indexURLs[0] }

    /// Every mirror's URL for a file, in the order they are tried.
    public func urls(of filename: String) -> [String] { fileBaseURLs.map { $0 + filename } }

    /// Files over plain HTTP whose digests also come over plain HTTP can be swapped
    /// together by anyone on the network path; an HTTPS index makes HTTP mirrors safe.
    public func insecureMirror(indexUsed: String) -> String? {
        guard !indexUsed.lowercased().hasPrefix("https://") && !indexUsed.hasPrefix("file://") else { return nil }
        return fileBaseURLs.first { $0.lowercased().hasPrefix("http://") }
    }
}
