/// What a user asks for on the command line.
///
/// - `1.22.5`, `go1.22.5`, `go1.20`: exactly that release (`go1.21` means `go1.21.0`, as in Go).
/// - `1.22`: the newest stable 1.22.x (for 1.20 and older that may be `go1.20` itself).
/// - `1`: the newest stable 1.x.
/// - `1.23rc1`, `1.23beta1`: exactly that pre-release.
/// - `latest`, `stable`: the newest stable release.
public enum VersionSelector: Sendable, Equatable, CustomStringConvertible {
    case latest
    case major(Int)
    case line(major: Int, minor: Int)
    case exact(GoVersion)

    public init(parsing text: String) throws {
        let trimmed = text.trimmingWhitespace()
        switch trimmed.lowercased() {
        case "latest", "stable":
            self = .latest
            return
        default:
            break
        }
        guard let version = GoVersion(trimmed) else { throw GoverError.invalidSelector(text) }
        let hasPrefix = trimmed.hasPrefix("go")
        switch (version.minor, version.patch, version.prerelease) {
        case (nil, _, _):
            self = hasPrefix ? .exact(version) : .major(version.major)
        case (let minor?, nil, nil) where !hasPrefix:
            self = .line(major: version.major, minor: minor)
        default:
            self = .exact(version)
        }
    }

    public var description: String {
        switch self {
        case .latest: return "latest"
        case .major(let major): return "\(major)"
        case .line(let major, let minor): return "\(major).\(minor)"
        case .exact(let version): return version.number
        }
    }

    public func matches(_ version: GoVersion) -> Bool {
        switch self {
        case .latest: return version.isStable
        case .major(let major): return version.isStable && version.major == major
        case .line(let major, let minor): return version.isStable && version.line == (major, minor)
        case .exact(let wanted): return version == wanted
        }
    }

    /// The best match among `candidates`: the newest one the selector accepts.
    public func resolve(in candidates: [GoVersion]) -> GoVersion? {
        candidates.filter(matches).max()
    }

    /// Versions to suggest when nothing matched: the closest ones on either side.
    public func nearest(in candidates: [GoVersion], count: Int = 4) -> [GoVersion] {
        let anchor: GoVersion
        switch self {
        case .latest: return Array(candidates.sorted().suffix(count).reversed())
        case .major(let major): anchor = GoVersion("go\(major)")!
        case .line(let major, let minor): anchor = GoVersion("go\(major).\(minor)")!
        case .exact(let version): anchor = version
        }
        // Stable releases, pre-releases of the same line, and pre-releases newer than any
        // stable release (the next Go being tested): what a user could mean.
        let newestStable = candidates.filter(\.isStable).max()
        let pool = candidates.filter { version in
            version.isStable || version.line == anchor.line || newestStable.map { version > $0 } ?? true
        }
        let sorted = Array(Set(pool)).sorted()
        let index = sorted.firstIndex(where: { $0 >= anchor }) ?? sorted.endIndex
        let above = sorted[index...].prefix(count / 2)
        let below = sorted[..<index].suffix(count - above.count)
        return Array(below) + Array(above)
    }
}
