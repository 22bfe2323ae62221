/// The Go toolchain as a module: `golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64`, which
/// `cmd/distpack` builds from the binary distribution for the module proxy (go1.21.0 on).
public enum ToolchainModule {
    public static let path = "golang.org/toolchain"
    /// `modVersionPrefix` in cmd/distpack/pack.go.
    static let versionPrefix = "v0.0.1-"
    /// Trees of the binary distribution that distpack leaves out of the module.
    static let omittedTrees: Set<Substring> = ["api", "doc", "misc", "test"]

    /// Whether gover looks for `version` as a module: from go1.21.0 on, the first release
    /// built with cmd/distpack. (Some 1.21 release candidates may be on the proxy too; gover
    /// does not rely on them.)
    public static func hasToolchainModule(_ version: GoVersion) -> Bool {
        guard let first = GoVersion("go1.21.0") else { return false }
        return version >= first
    }

    /// `v0.0.1-go1.22.5.linux-amd64`.
    public static func moduleVersion(for version: GoVersion, os: String, arch: String) -> String {
        "\(versionPrefix)\(version.name).\(os)-\(arch)"
    }

    /// The Go version and platform of a module version (a line of `@v/list`), or nil for
    /// anything that is not `v0.0.1-go<version>.<os>-<arch>` with a Go version gover knows.
    public static func parseModuleVersion(_ moduleVersion: String) -> (version: GoVersion, os: String, arch: String)? {
        guard moduleVersion.hasPrefix(versionPrefix) else { return nil }
        let rest = moduleVersion.dropFirst(versionPrefix.count)
        // The platform follows the last dot: Go versions have dots, platforms do not.
        guard let dot = rest.lastIndex(of: ".") else { return nil }
        let platform = rest[rest.index(after: dot)...]
        let parts = platform.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy(isPlatformWord),
              rest[..<dot].hasPrefix("go"), let version = GoVersion(String(rest[..<dot])),
              version.name == rest[..<dot]
        else { return nil }
        return (version, String(parts[0]), String(parts[1]))
    }

    private static func isPlatformWord(_ word: Substring) -> Bool {
        !word.isEmpty && word.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
    }

    /// `golang.org/toolchain@<moduleVersion>/`: every name in the module zip starts with it.
    static func zipPrefix(moduleVersion: String) -> String { "\(path)@\(moduleVersion)/" }

    /// The name in the module zip of a go.dev tarball entry (`go/src/go.mod` becomes
    /// `golang.org/toolchain@v…/src/_go.mod`), or nil if distpack leaves it out of the module
    /// (`api/`, `doc/`, `misc/`, `test/`, and anything not under `go/`). Every `go.mod` is
    /// renamed `_go.mod` so the module zip holds no nested modules (`RenameGoMod`).
    public static func moduleZipName(tarballPath: String, moduleVersion: String) -> String? {
        guard tarballPath.hasPrefix("go/") else { return nil }
        let relative = tarballPath.dropFirst(3)
        guard let top = relative.split(separator: "/", omittingEmptySubsequences: false).first, !top.isEmpty,
              !relative.hasSuffix("/")
        else { return nil }
        // distpack's `amatch("api/**", name)` compares the first path element, so it removes
        // a file named just `api` as well as everything below `api/`.
        if omittedTrees.contains(top) { return nil }
        var name = zipPrefix(moduleVersion: moduleVersion) + relative
        if name.hasSuffix("/go.mod") {
            name = String(name.dropLast("go.mod".count)) + "_go.mod"
        }
        return name
    }

    /// The tree path (`go/<rest>`) of a module zip entry, with a final `_go.mod` mapped back
    /// to `go.mod`; nil for the prefix directory itself. Throws for a name outside the prefix.
    /// Only the prefix is checked here: the extractor's entry rules check the rest.
    public static func moduleZipEntryToTreePath(zipName: String, moduleVersion: String) throws -> String? {
        let prefix = zipPrefix(moduleVersion: moduleVersion)
        guard zipName.hasPrefix(prefix) else {
            throw GoverError.unsafeArchive(entry: zipName, reason: "is outside the module's directory \(prefix)")
        }
        let rest = zipName.dropFirst(prefix.count)
        guard !rest.isEmpty else { return nil }
        var path = "go/" + rest
        if path.hasSuffix("/_go.mod") {
            path = String(path.dropLast("_go.mod".count)) + "go.mod"
        }
        return path
    }

    // MARK: Module path and version escaping (golang.org/x/mod/module)

    /// `module.EscapePath`: checks the path (a subset of `CheckPath`: what a proxy path needs)
    /// and replaces each upper-case letter with `!` and its lower-case form.
    static func escapePath(_ path: String) -> String? {
        let elements = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, elements.allSatisfy({ isValidElement($0, allowed: isModulePathByte) }),
              !elements.contains(where: { $0.hasPrefix(".") }), let first = elements.first, first.contains(".")
        else { return nil }
        return escape(path)
    }

    /// `module.EscapeVersion`: a version is one file-name element without `!`.
    static func escapeVersion(_ version: String) -> String? {
        guard isValidElement(Substring(version), allowed: isVersionByte) else { return nil }
        return escape(version)
    }

    private static func escape(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            if ("A"..."Z").contains(scalar) {
                output += "!" + String(Character(scalar)).lowercased()
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    private static func isValidElement(_ element: Substring, allowed: (UInt8) -> Bool) -> Bool {
        // Not empty, not all dots, no trailing dot, only allowed bytes (ASCII: escaping
        // refuses anything else). Windows-reserved names do not occur in toolchain versions.
        !element.isEmpty && !element.allSatisfy({ $0 == "." }) && !element.hasSuffix(".")
            && element.utf8.allSatisfy(allowed)
    }

    private static func isModulePathByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "-._~".utf8.contains(byte)
    }

    /// `fileNameOK` for ASCII, minus `!` (which escaping reserves).
    private static func isVersionByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "#$%&()+,-.=@[]^_{}~ ".utf8.contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
