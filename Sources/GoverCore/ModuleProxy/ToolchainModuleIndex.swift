/// The releases a module proxy has, from `<proxy>/golang.org/toolchain/@v/list`: one module
/// version per line (`v0.0.1-go1.22.5.linux-amd64`), every platform mixed.
///
/// The list is not covered by the checksum database: a proxy can hide a release (gover then
/// says it does not exist, or installs an older patch for `1.22`), never substitute one —
/// whatever version is chosen is verified by its own `h1:` line.
public enum ToolchainModuleIndex {
    /// A list is a few hundred KB (every release × ~50 platforms); more is not a list.
    public static let listSizeLimit = 8 << 20

    public static func listURL(proxy: String) -> String {
        proxy + "/" + ToolchainModule.path + "/@v/list"
    }

    public static func zipURL(proxy: String, moduleVersion: String) -> String {
        proxy + "/" + ToolchainModule.path + "/@v/" + moduleVersion + ".zip"
    }

    /// Fetches the list from the first proxy that has one (GOPROXY fallback rules).
    static func load(proxies: ModuleProxyList, http: HTTPClient, retryPolicy: RetryPolicy, reporter: Reporter,
                     timeoutSeconds: Int) throws -> (index: ReleaseIndex, url: String) {
        try proxies.tryEach { proxy in
            let url = listURL(proxy: proxy)
            do {
                let (_, body) = try retryPolicy.run(reporter: reporter) {
                    try http.fetch(url, limit: listSizeLimit, timeoutSeconds: timeoutSeconds)
                }
                return (parse(body), url)
            } catch let error as TransferError where !error.isNotFound {
                throw error.goverError
            }
        }
    }

    /// Lines that are not toolchain module versions are skipped: a list may hold other
    /// versions, and nothing in it can crash the parser or name a path.
    public static func parse(_ body: [UInt8]) -> ReleaseIndex {
        var filesByVersion: [GoVersion: [ReleaseFile]] = [:]
        for line in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            guard line.count <= 64, line.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { continue }
            let text = String(decoding: line, as: UTF8.self)
            guard let (version, platform) = parseModuleVersion(text) else { continue }
            // `go1.22` and `go1.22.0` are the same version spelled twice (no toolchain module
            // is spelled the short way): the first spelling wins, as the JSON index does, so
            // the module version gover asks for is always one the list named.
            if let first = filesByVersion[version]?.first, first.version != version.name { continue }
            let file = ReleaseFile(filename: text + ".zip", os: platform.os, arch: platform.arch,
                                   version: version.name, sha256: "", size: 0, kind: moduleKind)
            filesByVersion[version, default: []].append(file)
        }
        return ReleaseIndex(releases: filesByVersion.map { Release(version: $0.key, stable: $0.key.isStable, files: $0.value) })
    }

    /// The `kind` of the index entries made from a list.
    public static let moduleKind = "toolchain-module"

    /// `v0.0.1-go1.22.5.linux-amd64` → (go1.22.5, linux-amd64), with `arm` spelled
    /// `armv6l` as go.dev archives (and gover's platforms) spell it.
    static func parseModuleVersion(_ text: String) -> (GoVersion, Platform)? {
        guard text.hasPrefix(ToolchainModule.versionPrefix) else { return nil }
        let rest = text.dropFirst(ToolchainModule.versionPrefix.count)
        guard let dot = rest.lastIndex(of: "."), let dash = rest[dot...].firstIndex(of: "-") else { return nil }
        let os = rest[rest.index(after: dot)..<dash]
        let arch = rest[rest.index(after: dash)...]
        let plain: (Substring) -> Bool = { !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) } }
        guard plain(os), plain(arch), let version = GoVersion(String(rest[..<dot])), version.isRelease,
              version.name.utf8.elementsEqual(rest[..<dot].utf8) else { return nil }
        return (version, Platform(os: String(os), arch: arch == "arm" ? "armv6l" : String(arch)))
    }
}

extension Release {
    /// The toolchain module entry for a platform, in an index made from a proxy's list.
    public func toolchainModule(for platform: Platform) -> ReleaseFile? {
        files.first { $0.kind == ToolchainModuleIndex.moduleKind && $0.os == platform.os && $0.arch == platform.arch }
    }
}
