/// Keeping an installed set current: which installed versions have a newer patch in their
/// minor line, and which are superseded by another installed one. Pure functions of the
/// installed versions and the release index, so `list`, `upgrade` and `prune` agree.
public enum Maintenance {
    /// A minor line, as `go1.22`.
    public struct Line: Hashable, Sendable, Comparable, CustomStringConvertible {
        public var major: Int
        public var minor: Int

        public init(_ version: GoVersion) {
            (major, minor) = version.line
        }

        /// `1.22`, `go1.22` (or a version of the line, `1.22.5`), as `upgrade` takes them.
        public init(parsing text: String) throws {
            guard let version = GoVersion(text.trimmingWhitespace()), version.minor != nil else {
                throw GoverError.invalidSelector("\(text) (upgrade takes minor lines such as 1.22)")
            }
            self.init(version)
        }

        public init(major: Int, minor: Int) {
            self.major = major
            self.minor = minor
        }

        public var description: String { "\(major).\(minor)" }

        public static func < (lhs: Line, rhs: Line) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }
    }

    /// The newest stable release of `version`'s line in the index, when it is newer.
    public static func newerPatch(of version: GoVersion, in index: ReleaseIndex) -> GoVersion? {
        let line = Line(version)
        guard let newest = index.versions.filter({ $0.isStable && Line($0) == line }).max(), newest > version else { return nil }
        return newest
    }

    /// Installed versions another installed version of the same line supersedes: all but the
    /// newest stable patch of each line, pre-releases included once a stable release of their
    /// line is installed; a line with only pre-releases keeps its newest. `keep` (the active
    /// version, the project's pin) is never superseded.
    public static func superseded(installed: [GoVersion], keep: Set<GoVersion>) -> [GoVersion] {
        var result: [GoVersion] = []
        for (_, versions) in Dictionary(grouping: installed, by: Line.init) {
            let survivor = versions.filter(\.isStable).max() ?? versions.max()
            result += versions.filter { $0 != survivor && !keep.contains($0) }
        }
        return result.sorted()
    }
}

extension Store {
    /// Disk space a version's tree takes (what removing it frees).
    public func diskUsage(of version: GoVersion) -> Int64 {
        FileSystem.usage(of: path(of: version)).allocated
    }
}
