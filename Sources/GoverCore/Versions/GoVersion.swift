/// A Go release version as Go names it: `go1.22.5`, `go1.20`, `go1.21rc2`, `go1.9.2rc2`, `go1`.
///
/// Ordering follows Go's own rules: numeric components compare as numbers (`go1.9 < go1.10`),
/// a missing component counts as zero (`go1.20` is the first 1.20 release, the same as
/// `1.20.0`), and pre-releases come before the release they lead to
/// (`go1.21beta1 < go1.21rc2 < go1.21.0`).
public struct GoVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum PrereleaseKind: Int, Sendable, Comparable {
        case beta = 0
        case rc = 1

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public struct Prerelease: Sendable, Hashable, Comparable {
        public let kind: PrereleaseKind
        public let number: Int

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.kind, lhs.number) < (rhs.kind, rhs.number)
        }
    }

    public let major: Int
    public let minor: Int?
    public let patch: Int?
    public let prerelease: Prerelease?
    /// The name exactly as Go spells it, e.g. `go1.22.5`; also the store's directory name.
    public let name: String

    /// Parses `go1.22.5` or `1.22.5`. Returns nil for anything that is not a Go version.
    public init?(_ text: String) {
        var rest = Substring(text)
        if rest.hasPrefix("go") { rest = rest.dropFirst(2) }
        var numbers: [Int] = []
        var prerelease: Prerelease?
        while true {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 9, let value = Int(digits) else { return nil }
            // Leading zeros ("1.05") are not Go versions.
            if digits.count > 1 && digits.first == "0" { return nil }
            numbers.append(value)
            rest = rest.dropFirst(digits.count)
            if rest.isEmpty { break }
            if rest.first == "." && numbers.count < 3 {
                rest = rest.dropFirst()
                continue
            }
            // A pre-release follows major.minor (`go1.22rc1`), or a non-zero patch as in the
            // historical `go1.9.2rc2`; `go1.22.0rc1` is no Go version (it would alias go1.22rc1).
            guard numbers.count == 2 || (numbers.count == 3 && numbers[2] != 0),
                  let parsed = Self.parsePrerelease(rest) else { return nil }
            prerelease = parsed
            break
        }
        self.major = numbers[0]
        self.minor = numbers.count > 1 ? numbers[1] : nil
        self.patch = numbers.count > 2 ? numbers[2] : nil
        self.prerelease = prerelease
        self.name = "go" + text.dropFirst(text.hasPrefix("go") ? 2 : 0)
    }

    private static func parsePrerelease(_ text: Substring) -> Prerelease? {
        let kind: PrereleaseKind
        let rest: Substring
        if text.hasPrefix("beta") {
            kind = .beta
            rest = text.dropFirst(4)
        } else if text.hasPrefix("rc") {
            kind = .rc
            rest = text.dropFirst(2)
        } else {
            return nil
        }
        guard !rest.isEmpty, rest.count <= 9, rest.allSatisfy({ $0.isASCII && $0.isNumber }),
              let number = Int(rest) else { return nil }
        return Prerelease(kind: kind, number: number)
    }

    /// False for `go1`: the index lists it as a pseudo-release (a bootstrap source tarball),
    /// not something to install, list or suggest.
    public var isRelease: Bool { minor != nil }

    /// Stable means "not a beta or release candidate", as the go.dev index defines it.
    public var isStable: Bool { prerelease == nil }

    /// The minor line this version belongs to: `1.22` for `go1.22.5` and `go1.22rc1`.
    public var line: (major: Int, minor: Int) { (major, minor ?? 0) }

    public var description: String { name }

    /// The version without the `go` prefix, as users type it: `1.22.5`.
    public var number: String { String(name.dropFirst(2)) }

    private var orderingKey: (Int, Int, Int) { (major, minor ?? 0, patch ?? 0) }

    public static func < (lhs: GoVersion, rhs: GoVersion) -> Bool {
        if lhs.orderingKey != rhs.orderingKey { return lhs.orderingKey < rhs.orderingKey }
        switch (lhs.prerelease, rhs.prerelease) {
        case (nil, nil), (nil, _?): return false
        case (_?, nil): return true
        case (let l?, let r?): return l < r
        }
    }

    /// `go1.20` and `1.20.0` name the same release.
    public static func == (lhs: GoVersion, rhs: GoVersion) -> Bool {
        lhs.orderingKey == rhs.orderingKey && lhs.prerelease == rhs.prerelease
    }

    public func hash(into hasher: inout Hasher) {
        let key = orderingKey
        hasher.combine(key.0)
        hasher.combine(key.1)
        hasher.combine(key.2)
        hasher.combine(prerelease)
    }
}
