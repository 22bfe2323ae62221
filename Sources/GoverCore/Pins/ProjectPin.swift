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
        var info = stat()
        // Only regular files: a FIFO named .go-version must not hang gover.
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard Int(info.st_size) <= sizeLimit else {
            throw GoverError.invalidPinFile(path: path, line: 1, reason: "\(info.st_size) bytes is too large for a pin file")
        }
        guard let bytes = FileSystem.readFile(path) else {
            throw GoverError.filesystem(path: path, operation: "read", errno: errno)
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
        case .selector(let selector):
            return selector.description
        case .atLeast:
            if let version = requirement.newest(in: installed) { return version.number }
            guard let index else {
                throw GoverError.pinNotSatisfied(pin: requirement.description, file: path, installed: installed.map(\.number))
            }
            let available = try index().versions
            guard let version = requirement.newest(in: available) else {
                throw GoverError.versionNotFound(selector: requirement.description, nearest: [])
            }
            return version.number
        }
    }
}
