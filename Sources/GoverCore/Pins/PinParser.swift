/// What a project pin asks for.
public enum PinRequirement: Sendable, Equatable, CustomStringConvertible {
    /// `.go-version`, `.tool-versions`, a `toolchain` line: an exact version or a minor line.
    case selector(VersionSelector)
    /// A `go` line: at least this version (`go 1.22` means go1.22.0 or newer; `go 1.20`, go1.20).
    case atLeast(GoVersion)

    public var description: String {
        switch self {
        case .selector(.line(let major, let minor)): return "Go \(major).\(minor).x"
        case .selector(let selector): return "Go \(selector)"
        case .atLeast(let version): return "Go >= \(version.number)"
        }
    }

    public func isSatisfied(by version: GoVersion) -> Bool {
        switch self {
        case .selector(let selector): return selector.matches(version)
        case .atLeast(let minimum): return version == minimum || (version > minimum && version.isStable)
        }
    }

    /// The newest of `candidates` that satisfies the requirement.
    public func newest(in candidates: [GoVersion]) -> GoVersion? {
        candidates.filter(isSatisfied).max()
    }
}

/// Parsers for the files a project pins its Go version with. Each returns nil when the file
/// pins nothing (a go.mod without a `go` line, a `.tool-versions` without golang) and
/// throws `GoverError.invalidPinFile` for anything it cannot read as a version: pin files
/// come from repositories, so their contents are data to validate, never a path.
public enum PinParser {
    /// `.go-version`: one version (`1.22.5`, `go1.22.5`, `1.22`, `1.23rc1`); blank lines and
    /// `#` comments ignored.
    public static func goVersionFile(_ text: String, path: String) throws -> (requirement: PinRequirement, line: Int)? {
        var found: (PinRequirement, Int)?
        for (number, line) in try contentLines(text, path: path, comment: "#") {
            if found != nil {
                throw GoverError.invalidPinFile(path: path, line: number, reason: "a second version (\(shown(line))); a .go-version holds one")
            }
            found = (.selector(try versionSelector(line, path: path, line: number)), number)
        }
        guard let found else {
            throw GoverError.invalidPinFile(path: path, line: 1, reason: "no version in it")
        }
        return found
    }

    /// `.tool-versions` (asdf, mise): the `golang` (or `go`) line; its first version counts.
    public static func toolVersions(_ text: String, path: String) throws -> (requirement: PinRequirement, line: Int)? {
        for (number, line) in try contentLines(text, path: path, comment: "#") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.first == "golang" || fields.first == "go" else { continue }
            guard fields.count >= 2 else {
                throw GoverError.invalidPinFile(path: path, line: number, reason: "`\(fields[0])` without a version")
            }
            return (.selector(try versionSelector(fields[1], path: path, line: number)), number)
        }
        return nil
    }

    /// `go.mod` / `go.work`: the `toolchain goX.Y.Z` line when it is not older than the `go`
    /// line, else the `go` line as a minimum.
    public static func goModule(_ text: String, path: String) throws -> (requirement: PinRequirement, line: Int, directive: String)? {
        var goLine: (GoVersion, Int, String)?
        var toolchainLine: (GoVersion, Int, String)?
        var depth = 0
        for (number, line) in try contentLines(text, path: path, comment: "//") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if depth > 0 {
                if fields.first == ")" { depth -= 1 }
                continue
            }
            if fields.last == "(" {
                depth += 1
                continue
            }
            guard let keyword = fields.first, keyword == "go" || keyword == "toolchain" else { continue }
            guard fields.count == 2 else {
                throw GoverError.invalidPinFile(path: path, line: number, reason: "`\(shown(line))` is not a \(keyword) directive")
            }
            let value = fields[1]
            if keyword == "go" {
                guard goLine == nil else { throw GoverError.invalidPinFile(path: path, line: number, reason: "a second go line") }
                guard !value.hasPrefix("go"), let version = GoVersion(value) else {
                    throw GoverError.invalidPinFile(path: path, line: number, reason: "`go \(shown(value))` does not name a Go version")
                }
                // The go command needs at least major.minor (`go 1.21`); a bare `go 1` is refused by it.
                guard version.minor != nil else {
                    throw GoverError.invalidPinFile(path: path, line: number, reason: "`go \(shown(value))` needs at least a major and minor version, e.g. go 1.22")
                }
                goLine = (version, number, line)
            } else {
                guard toolchainLine == nil else { throw GoverError.invalidPinFile(path: path, line: number, reason: "a second toolchain line") }
                if value == "default" || value == "local" { continue }
                // Custom toolchains are named goV-suffix; gover installs the release goV.
                let name = value.split(separator: "-", maxSplits: 1).first.map(String.init) ?? value
                guard name.hasPrefix("go"), let version = GoVersion(name) else {
                    throw GoverError.invalidPinFile(path: path, line: number, reason: "`toolchain \(shown(value))` does not name a Go toolchain such as go1.22.5")
                }
                toolchainLine = (version, number, line)
            }
        }
        if let (toolchain, number, line) = toolchainLine, goLine.map({ toolchain >= $0.0 }) ?? true {
            return (.selector(.exact(toolchain)), number, line)
        }
        if let (version, number, line) = goLine {
            return (.atLeast(version), number, line)
        }
        return nil
    }

    /// The lines that hold something: comments, blank lines and a UTF-8 byte-order mark
    /// dropped, CRLF tolerated. Merge-conflict markers and control characters are errors.
    static func contentLines(_ text: String, path: String, comment: String) throws -> [(Int, String)] {
        var result: [(Int, String)] = []
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        for (index, raw) in body.textLines().enumerated() {
            let number = index + 1
            if raw.hasPrefix("<<<<<<<") || raw.hasPrefix(">>>>>>>") || raw.hasPrefix("=======") || raw.hasPrefix("|||||||") {
                throw GoverError.invalidPinFile(path: path, line: number, reason: "an unresolved merge conflict (resolve it, keep one version)")
            }
            let content = withoutComment(raw, marker: comment).trimmingWhitespace()
            if content.isEmpty { continue }
            if content.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
                throw GoverError.invalidPinFile(path: path, line: number, reason: "control characters in `\(shown(content))`")
            }
            result.append((number, content))
        }
        return result
    }

    /// The part of `line` before the first `marker` (`#`, `//`).
    private static func withoutComment(_ line: Substring, marker: String) -> Substring {
        var index = line.startIndex
        while index < line.endIndex {
            if line[index...].hasPrefix(marker) { return line[..<index] }
            index = line.index(after: index)
        }
        return line
    }

    private static func versionSelector(_ text: String, path: String, line: Int) throws -> VersionSelector {
        let selector = try? VersionSelector(parsing: text)
        switch selector {
        case .exact?, .line?:
            return selector!
        default:
            throw GoverError.invalidPinFile(path: path, line: line, reason: "`\(shown(text))` is not a Go version")
        }
    }

    /// User-controlled text as it may appear in one error line: at most 40 characters,
    /// anything unprintable as `?`.
    static func shown(_ text: String) -> String {
        let printable = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return printable.count > 40 ? String(printable.prefix(40)) + "..." : printable
    }
}
