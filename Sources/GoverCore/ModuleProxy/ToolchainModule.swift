/// Go toolchains published as modules: `golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64`,
/// what the go command's own toolchain switching downloads from `GOPROXY` and verifies with
/// the checksum database (`cmd/go/internal/toolchain`).
///
/// The zip is built by `cmd/distpack` from the binary distribution (the go.dev archive's
/// `go/` tree) minus `api/`, `doc/`, `misc/` and `test/`, every entry prefixed
/// `golang.org/toolchain@<version>/`, every nested `go.mod` stored as `_go.mod` (a module
/// zip cannot contain other modules), and no execute bits that count: the go command
/// makes everything under `bin/` and `pkg/tool/` executable after unpacking.
public enum ToolchainModule {
    public static let path = "golang.org/toolchain"
    static let versionPrefix = "v0.0.1-"
    /// Releases from go1.21.0 on are published as modules (the go command's switching
    /// appeared with 1.21); older ones exist only as go.dev archives.
    public static let firstRelease = GoVersion("go1.21.0")!

    public static func isPublished(_ release: GoVersion) -> Bool { release >= firstRelease }

    /// `GOARCH` as the go command names it: go.dev archives say `armv6l` where the
    /// module (named after `runtime.GOARCH`) says `arm`.
    static func goarch(_ platform: Platform) -> String {
        platform.arch == "armv6l" ? "arm" : platform.arch
    }

    /// `v0.0.1-go1.22.5.linux-amd64`.
    public static func version(of release: GoVersion, platform: Platform) -> String {
        "\(versionPrefix)\(release.name).\(platform.os)-\(goarch(platform))"
    }

    /// `golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64`, as messages name it.
    public static func moduleName(of release: GoVersion, platform: Platform) -> String {
        path + "@" + version(of: release, platform: platform)
    }

    /// The top directory every zip entry lives under.
    public static func zipPrefix(moduleVersion: String) -> String {
        path + "@" + moduleVersion + "/"
    }

    /// The tree path (`go/...`, as in a go.dev archive) of a zip entry: the prefix
    /// replaced by `go/`, a final `_go.mod` renamed back to `go.mod`. An entry outside the
    /// prefix is refused; `EntryRules` checks the rest of the path as for any archive.
    public static func treePath(ofZipEntry name: String, moduleVersion: String) throws -> String {
        let prefix = zipPrefix(moduleVersion: moduleVersion)
        guard name.utf8.starts(with: prefix.utf8) else {
            throw GoverError.unsafeArchive(entry: name, reason: "is outside the module's directory \(prefix)")
        }
        var rest = String(decoding: name.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
        if rest == "_go.mod" || rest.hasSuffix("/_go.mod") {
            rest = String(rest.dropLast("_go.mod".count)) + "go.mod"
        }
        return "go/" + rest
    }

    /// Trees of the binary distribution that distpack leaves out of the module.
    static let omittedTrees: Set<Substring> = ["api", "doc", "misc", "test"]

    /// The zip entry name a go.dev archive's file has in the module (`go/src/go.mod` becomes
    /// `golang.org/toolchain@v…/src/_go.mod`), or nil when distpack leaves it out: `api/`,
    /// `doc/`, `misc/`, `test/` (distpack's `amatch("api/**", name)` compares the first path
    /// element, so a file named just `api` goes too), and anything not under `go/`. Every
    /// `go.mod` is renamed `_go.mod` so that the zip holds no nested module (`RenameGoMod`).
    public static func zipEntryName(ofTreePath treePath: String, moduleVersion: String) -> String? {
        guard treePath.hasPrefix("go/") else { return nil }
        let relative = treePath.dropFirst(3)
        guard let top = relative.split(separator: "/", omittingEmptySubsequences: false).first, !top.isEmpty,
              !relative.hasSuffix("/"), !omittedTrees.contains(top) else { return nil }
        var name = zipPrefix(moduleVersion: moduleVersion) + relative
        if name.hasSuffix("/go.mod") { name = String(name.dropLast("go.mod".count)) + "_go.mod" }
        return name
    }

    /// Mode bits of an unpacked file, as the go command leaves them: executable under
    /// `bin/` and `pkg/tool/`, read-write elsewhere. The zip's own bits are not used (the
    /// `h1:` hash does not cover them).
    public static func permissions(ofTreePath treePath: String) -> UInt32 {
        treePath.hasPrefix("go/bin/") || treePath.hasPrefix("go/pkg/tool/") ? 0o755 : 0o644
    }
}
