/// The Go version a project asks for, and the file that says so.
///
/// Found from a directory upward: in each directory the first of `.go-version`, `go.work`,
/// `go.mod`, `.tool-versions` that pins a version wins. Read by `gover use` and
/// `gover install` without a selector, by `gover current --verbose` and `gover doctor`.
/// It never switches anything by itself: gover has no shims, `current` stays the one
/// active version until `gover use` changes it.
public struct ProjectPin: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case goVersion = ".go-version"
        case goWork = "go.work"
        case goMod = "go.mod"
        case toolVersions = ".tool-versions"
    }

    public var path: String
    public var kind: Kind
    public var line: Int
    public var requirement: PinRequirement

    /// Files larger than this are not pin files (and are not read whole).
    static let sizeLimit = 1 << 20

    /// The nearest pin from `directory` upward; nil when there is none. `kinds` narrows the
    /// files looked at (doctor asks for go.work/go.mod alone: what the go command reads).
    public static func discover(from directory: String, kinds: [Kind] = Kind.allCases) throws -> ProjectPin? {
        var current = directory
        while true {
            for kind in kinds {
                if let pin = try read(current == "/" ? "/" + kind.rawValue : current + "/" + kind.rawValue, kind: kind) {
                    return pin
                }
            }
            let parent = FileSystem.parentPath(of: current)
            if parent == current || current.isEmpty || current == "." { return nil }
            current = parent
        }
    }

    /// Reads one pin file; nil when it is absent, not a regular file, or pins nothing.
    public static func read(_ path: String, kind: Kind) throws -> ProjectPin? {
        // Only regular files (a symlink to one is fine): a FIFO or a device named .go-version
        // is refused before a byte is read, so it cannot hang gover.
        let bytes: [UInt8]
        do {
            guard let read = try FileSystem.readRegularFile(path, limit: sizeLimit) else { return nil }
            bytes = read
        } catch GoverError.notRegularFile(_, let kind) {
            // A directory named go.mod is not a pin file; anything else in its place is suspect.
            if kind == FileSystem.describeKind(S_IFDIR) { return nil }
            throw GoverError.invalidPinFile(path: path, line: 1, reason: "it is \(kind), not a regular file")
        } catch GoverError.fileTooLarge(_, let size, _) {
            throw GoverError.invalidPinFile(path: path, line: 1, reason: "\(size) bytes is too large for a pin file")
        }
        if bytes.contains(0) {
            throw GoverError.invalidPinFile(path: path, line: 1, reason: "binary data (a NUL byte)")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        switch kind {
        case .goVersion:
            return try PinParser.goVersionFile(text, path: path).map {
                ProjectPin(path: path, kind: kind, line: $0.line, requirement: $0.requirement)
            }
        case .toolVersions:
            return try PinParser.toolVersions(text, path: path).map {
                ProjectPin(path: path, kind: kind, line: $0.line, requirement: $0.requirement)
            }
        case .goWork, .goMod:
            return try PinParser.goModule(text, path: path).map {
                ProjectPin(path: path, kind: kind, line: $0.line, requirement: $0.requirement)
            }
        }
    }

    /// `/src/app/go.mod:3 (Go >= 1.22.0)`.
    public var description: String { "\(path):\(line) (\(requirement))" }

    /// The lowest version that satisfies the pin (what the go command needs for a go.mod).
    public var minimumVersion: GoVersion? {
        switch requirement {
        case .atLeast(let version), .selector(.exact(let version)): return version
        case .selector(.line(let major, let minor)): return GoVersion("go\(major).\(minor)")
        case .selector: return nil
        }
    }

    /// The selector `gover use`/`gover install` act on: the pin's own for an exact version or
    /// a line; for a minimum (`go 1.22`), the newest installed version that satisfies it,
    /// else (when `index` can be loaded) the newest available one.
    public func selector(installed: [GoVersion], index: (() throws -> ReleaseIndex)?) throws -> String {
        switch requirement {
        case .selector(.exact(let version)):
            return Self.exactSelector(version)
        case .selector(let selector):
            return selector.description
        case .atLeast:
            if let version = requirement.newest(in: installed) { return Self.exactSelector(version) }
            guard let index else {
                throw GoverError.pinNotSatisfied(pin: requirement.description, file: path, installed: installed.map(\.number))
            }
            let available = try index().versions
            guard let version = requirement.newest(in: available) else {
                throw GoverError.versionNotFound(selector: requirement.description, nearest: [])
            }
            return Self.exactSelector(version)
        }
    }

    /// A selector naming exactly `version`: `1.22.5`, but `go1.20` for go1.20 itself, since
    /// `1.20` would select the newest 1.20.x.
    static func exactSelector(_ version: GoVersion) -> String {
        (try? VersionSelector(parsing: version.number)) == .exact(version) ? version.number : version.name
    }
}
