/// Where the release index and the archives come from.
///
/// By default the index is go.dev's and the files are dl.google.com's. `GOVER_MIRROR`
/// (or `--mirror`) names one base URL for both — `<base>?mode=json&include=all` and
/// `<base><filename>` — and `GOVER_INDEX_URL` overrides the index alone. `file://` mirrors
/// keep the index as `<base>index.json`, since a file has no query string.
public struct MirrorSources: Sendable, Equatable {
    public static let officialIndex = "https://go.dev/dl/?mode=json&include=all"
    public static let officialFiles = "https://dl.google.com/go/"
    public static let aliases = ["official": "https://go.dev/dl/", "china": "https://golang.google.cn/dl/"]

    public var indexURL: String
    public var fileBaseURL: String

    public init(indexURL: String = officialIndex, fileBaseURL: String = officialFiles) {
        self.indexURL = indexURL
        self.fileBaseURL = fileBaseURL
    }

    /// Builds the sources from `--mirror`/`GOVER_MIRROR` and `GOVER_INDEX_URL`.
    public init(mirror: String?, indexOverride: String?) {
        var sources = MirrorSources()
        if let mirror, !mirror.isEmpty {
            if mirror == "official" {
                // The default pair: go.dev serves the index, dl.google.com the files.
            } else {
                var base = Self.aliases[mirror] ?? mirror
                if !base.hasSuffix("/") { base += "/" }
                sources.fileBaseURL = base
                sources.indexURL = base.hasPrefix("file://") ? base + "index.json" : base + "?mode=json&include=all"
            }
        }
        if let indexOverride, !indexOverride.isEmpty { sources.indexURL = indexOverride }
        self = sources
    }

    public func url(of filename: String) -> String { fileBaseURL + filename }
}
