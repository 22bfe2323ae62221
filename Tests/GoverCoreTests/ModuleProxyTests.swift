import Testing
@testable import GoverCore

@Suite("Module proxies: GOPROXY, toolchain module names and lists")
struct ModuleProxyTests {
    @Test("GOPROXY parses as the go command parses it")
    func proxyList() throws {
        #expect(try ModuleProxyList(parsing: nil).entries == [.proxy(url: "https://proxy.golang.org", fallBackOnError: false), .direct])
        #expect(try ModuleProxyList(parsing: "").entries == ModuleProxyList(parsing: nil).entries)
        // `|` falls back on any error, `,` only on 404/410; bare hosts get https://.
        #expect(try ModuleProxyList(parsing: "goproxy.cn|https://b.test/x/,direct").entries ==
                [.proxy(url: "https://goproxy.cn", fallBackOnError: true), .proxy(url: "https://b.test/x", fallBackOnError: false), .direct])
        // `direct` and `off` end the list.
        #expect(try ModuleProxyList(parsing: "direct,https://ignored.test").entries == [.direct])
        #expect(try ModuleProxyList(parsing: "https://a.test,off,https://b.test").entries == [.proxy(url: "https://a.test", fallBackOnError: false), .off])
        #expect(try ModuleProxyList(parsing: "file:///srv/modules").entries == [.proxy(url: "file:///srv/modules", fallBackOnError: false)])
        #expect(try ModuleProxyList(parsing: "off").baseURLs.isEmpty)
        #expect(try ModuleProxyList(parsing: "direct").baseURLs == [ModuleProxyList.toolchainOrigin])
    }

    @Test("GOPROXY values gover cannot use are refused with exit 2", arguments: [
        "ftp://a.test", "proxy", ",", " | ", "file://", "https://", "HTTPS:///", "https://\u{36F}a.test", "http:/\u{301}/a.test", "https://a.test/\u{1b}[2J", "https://a b.test", "/srv/modules",
    ])
    func badProxyLists(_ value: String) {
        #expect {
            try ModuleProxyList(parsing: value)
        } throws: { error in
            guard case GoverError.invalidModuleSetting(let name, _, _) = error else { return false }
            return name == "GOPROXY" && (error as! GoverError).exitCode == 2
        }
    }

    @Test("the list is tried as TryProxies does: next after 404/410, or after any error behind |")
    func tryEachFollowsFallbackRules() throws {
        let list = try ModuleProxyList(parsing: "https://a.test,https://b.test|https://c.test,direct")
        var asked: [String] = []
        let answer = try list.tryEach { url -> String in
            asked.append(url)
            switch url {
            case "https://a.test": throw TransferError(url: url, kind: .status(404, retryAfter: nil))
            case "https://b.test": throw TransferError(url: url, kind: .status(500, retryAfter: nil))
            default: return url
            }
        }
        #expect(answer == "https://c.test")
        #expect(asked == ["https://a.test", "https://b.test", "https://c.test"])

        // A 500 behind `,` stops the walk: the proxy is there and broken.
        var stoppedAt: [String] = []
        #expect(throws: TransferError.self) {
            try ModuleProxyList(parsing: "https://a.test,https://b.test").tryEach { url -> Int in
                stoppedAt.append(url)
                throw TransferError(url: url, kind: .status(500, retryAfter: nil))
            }
        }
        #expect(stoppedAt == ["https://a.test"])

        // `off` after a miss: the miss is what is reported; `off` alone says why nothing was tried.
        #expect(throws: GoverError.moduleSourceDisabled(setting: "GOPROXY=off", reason: "module downloads are disabled, so no toolchain can come from a module proxy; set GOPROXY (e.g. https://proxy.golang.org,direct) or use a release mirror (unset GOVER_MIRROR)")) {
            try ModuleProxyList(parsing: "off").tryEach { _ in 1 }
        }
    }

    @Test("GOVER_MIRROR: goproxy entries select module proxies and cannot be mixed with release mirrors")
    func mirrorEntries() throws {
        let fromGoproxy = try MirrorSources.resolve(mirror: "goproxy", indexOverride: nil, goproxy: "https://goproxy.cn,direct")
        #expect(fromGoproxy.moduleProxies?.entries == [.proxy(url: "https://goproxy.cn", fallBackOnError: false), .direct])
        #expect(fromGoproxy.indexURLs == ["https://goproxy.cn/golang.org/toolchain/@v/list", "https://go.dev/dl/mod/golang.org/toolchain/@v/list"])
        let named = try MirrorSources.resolve(mirror: "goproxy:http://127.0.0.1:9/p/", indexOverride: nil, goproxy: "off")
        #expect(named.moduleProxies?.baseURLs == ["http://127.0.0.1:9/p"])
        #expect(try MirrorSources.resolve(mirror: "china", indexOverride: nil, goproxy: nil).moduleProxies == nil)
        #expect(throws: GoverError.self) { try MirrorSources.resolve(mirror: "goproxy,official", indexOverride: nil, goproxy: nil) }
    }

    @Test("module versions name GOARCH as the go command does; modes as it sets them")
    func names() throws {
        let version = try #require(GoVersion("go1.22.5"))
        #expect(ToolchainModule.version(of: version, platform: Platform(os: "linux", arch: "amd64")) == "v0.0.1-go1.22.5.linux-amd64")
        // go.dev says armv6l, runtime.GOARCH (and so the module) says arm.
        #expect(ToolchainModule.version(of: version, platform: Platform(os: "linux", arch: "armv6l")) == "v0.0.1-go1.22.5.linux-arm")
        #expect(ToolchainModule.isPublished(try #require(GoVersion("go1.21.0"))))
        #expect(!ToolchainModule.isPublished(try #require(GoVersion("go1.20.14"))))

        #expect(ToolchainModule.permissions(ofTreePath: "go/pkg/tool/linux_amd64/compile") == 0o755)
        #expect(ToolchainModule.permissions(ofTreePath: "go/bin/gofmt") == 0o755)
        #expect(ToolchainModule.permissions(ofTreePath: "go/src/make.bash") == 0o644)
    }

    @Test("a proxy's @v/list becomes an index of this platform's releases; junk lines are skipped")
    func listParsing() throws {
        let list = """
        v0.0.1-go1.22.5.linux-amd64
        v0.0.1-go1.22.5.darwin-arm64
        v0.0.1-go1.21.13.linux-amd64
        v0.0.1-go1.23rc1.linux-amd64
        v0.0.1-go1.22.5.linux-arm
        v0.0.1-go1.22.0rc1.linux-amd64
        v0.0.1-go1.22.5.linux-AMD64
        v0.0.1-go1.22.5.linux-amd64/../../x
        v0.0.1-go01.22.5.linux-amd64
        v0.0.2-go1.24.0.linux-amd64
        \u{1b}[31mv0.0.1-go1.25.0.linux-amd64

        """
        let index = ToolchainModuleIndex.parse(Array(list.utf8))
        #expect(index.versions.map(\.name) == ["go1.23rc1", "go1.22.5", "go1.21.13"])
        let linux = Platform(os: "linux", arch: "amd64")
        let version = try #require(GoVersion("go1.22.5"))
        let release = try #require(index.release(version))
        #expect(release.toolchainModule(for: linux)?.filename == "v0.0.1-go1.22.5.linux-amd64.zip")
        #expect(release.toolchainModule(for: Platform(os: "linux", arch: "armv6l"))?.filename == "v0.0.1-go1.22.5.linux-arm.zip")
        #expect(release.toolchainModule(for: Platform(os: "freebsd", arch: "amd64")) == nil)
        #expect(try index.resolve(VersionSelector(parsing: "1.22"), selectorText: "1.22").version.name == "go1.22.5")
        #expect(try index.resolve(VersionSelector(parsing: "latest"), selectorText: "latest").version.name == "go1.22.5")

        // One version spelled two ways: the first spelling wins, the other's lines are dropped.
        let twice = ToolchainModuleIndex.parse(Array("v0.0.1-go1.30.darwin-arm64\nv0.0.1-go1.30.0.linux-amd64\n".utf8))
        #expect(twice.releases.count == 1)
        #expect(twice.releases.first?.files.map(\.filename) == ["v0.0.1-go1.30.darwin-arm64.zip"])
    }
}
