import Testing
@testable import GoverCore

@Suite("Go version ordering and parsing")
struct VersionTests {
    @Test("ascending pairs follow Go's ordering", arguments: [
        ("go1.9", "go1.10"),
        ("go1.9.2rc2", "go1.9.2"),
        ("go1.9.1", "go1.9.2rc2"),
        ("go1.21beta1", "go1.21rc1"),
        ("go1.21rc1", "go1.21rc2"),
        ("go1.21rc2", "go1.21.0"),
        ("go1.20", "go1.20.1"),
        ("go1.20rc3", "go1.20"),
        ("go1.22.9", "go1.22.10"),
        ("go1", "go1.0.1"),
        ("go1.2.2", "go1.3beta1"),
    ])
    func ordering(lower: String, higher: String) throws {
        let a = try #require(GoVersion(lower))
        let b = try #require(GoVersion(higher))
        #expect(a < b)
        #expect(!(b < a))
        #expect(a != b)
    }

    @Test("a missing component counts as zero: go1.20 is 1.20.0")
    func zeroPatchEquality() throws {
        #expect(GoVersion("go1.20") == GoVersion("1.20.0"))
        #expect(GoVersion("go1.21.0") == GoVersion("1.21"))
        #expect(GoVersion("go1.21rc1") != GoVersion("go1.21.0"))
    }

    @Test("parses Go's names and keeps them as written", arguments: [
        ("go1.22.5", "go1.22.5", 1, 22, 5, nil as String?),
        ("1.22.5", "go1.22.5", 1, 22, 5, nil),
        ("go1.21rc2", "go1.21rc2", 1, 21, nil, "rc2"),
        ("go1.9.2rc2", "go1.9.2rc2", 1, 9, 2, "rc2"),
        ("go1.23beta1", "go1.23beta1", 1, 23, nil, "beta1"),
        ("go1", "go1", 1, nil, nil, nil),
    ])
    func parsing(text: String, name: String, major: Int, minor: Int?, patch: Int?, pre: String?) throws {
        let version = try #require(GoVersion(text))
        #expect(version.name == name)
        #expect(version.major == major)
        #expect(version.minor == minor)
        #expect(version.patch == patch)
        let rendered = version.prerelease.map { ($0.kind == .rc ? "rc" : "beta") + String($0.number) }
        #expect(rendered == pre)
        #expect(version.isStable == (pre == nil))
    }

    @Test("rejects what is not a Go version", arguments: [
        "", "go", "1.", "1..2", "1.2.3.4", "v1.22", "1.22-rc1", "1.22rc", "1.22alpha1", "1.05",
        "../../etc/passwd", "1.22 ", "１.22", "1.22.5\n", "go1.22.5/..", "1.2rc1rc2",
        // A pre-release follows major.minor or a non-zero patch (go1.9.2rc2): go1.22.0rc1 would alias go1.22rc1.
        "go1.22.0rc1", "1.21.0beta1", "go1rc1",
    ])
    func rejects(text: String) {
        #expect(GoVersion(text) == nil)
    }

    @Test("sorting a shuffled list gives Go's order")
    func sorting() {
        let names = ["go1.10", "go1.9", "go1.21.0", "go1.21rc2", "go1.20", "go1.21beta1", "go1.20.14", "go1.9.2rc2", "go1.9.2"]
        let sorted = names.compactMap(GoVersion.init).sorted().map(\.name)
        #expect(sorted == ["go1.9", "go1.9.2rc2", "go1.9.2", "go1.10", "go1.20", "go1.20.14", "go1.21beta1", "go1.21rc2", "go1.21.0"])
    }
}

@Suite("Version selectors")
struct SelectorTests {
    static let available = ["go1.23rc1", "go1.22.5", "go1.22.4", "go1.22.0", "go1.22rc2", "go1.21.13", "go1.21.0",
                            "go1.20.14", "go1.20", "go1.20rc1", "go1.19.13", "go1.9.2", "go1.9.2rc2"]
        .compactMap(GoVersion.init)

    @Test("selectors resolve against available versions", arguments: [
        ("1.22.5", "go1.22.5"),
        ("go1.22.5", "go1.22.5"),
        ("1.22", "go1.22.5"),
        ("1.21", "go1.21.13"),
        ("1.20", "go1.20.14"),
        ("go1.20", "go1.20"),
        ("1.20.0", "go1.20"),
        ("go1.21", "go1.21.0"),
        ("latest", "go1.22.5"),
        ("stable", "go1.22.5"),
        ("1", "go1.22.5"),
        ("1.23rc1", "go1.23rc1"),
        ("go1.22rc2", "go1.22rc2"),
        ("1.9.2rc2", "go1.9.2rc2"),
        (" 1.22 ", "go1.22.5"),
    ])
    func resolves(selector: String, expected: String) throws {
        let parsed = try VersionSelector(parsing: selector)
        #expect(parsed.resolve(in: Self.available)?.name == expected)
    }

    @Test("a line without a stable release matches nothing: 1.23 is only an rc")
    func lineWithOnlyPrereleases() throws {
        #expect(try VersionSelector(parsing: "1.23").resolve(in: Self.available) == nil)
        #expect(try VersionSelector(parsing: "1.22.6").resolve(in: Self.available) == nil)
    }

    @Test("invalid selectors are usage errors", arguments: ["1.22.x", "newest", "", "go", "1.22-rc1", "-1"])
    func invalid(selector: String) {
        #expect(throws: GoverError.invalidSelector(selector)) { try VersionSelector(parsing: selector) }
        #expect(GoverError.invalidSelector(selector).exitCode == 2)
    }

    @Test("nearest versions surround a missing one")
    func nearest() throws {
        let near = try VersionSelector(parsing: "1.22.6").nearest(in: Self.available).map(\.name)
        #expect(near.contains("go1.22.5"))
        #expect(near.contains("go1.23rc1"))
        let older = try VersionSelector(parsing: "1.15").nearest(in: Self.available).map(\.name)
        #expect(older.contains("go1.9.2"))
        #expect(older.contains("go1.19.13"))
    }
}

@Suite("Platform mapping")
struct PlatformTests {
    @Test("uname -m maps to Go's architecture names", arguments: [
        ("x86_64", "amd64"), ("aarch64", "arm64"), ("arm64", "arm64"), ("i686", "386"), ("i386", "386"),
        ("armv7l", "armv6l"), ("armv6l", "armv6l"), ("ppc64le", "ppc64le"), ("s390x", "s390x"),
        ("riscv64", "riscv64"), ("loongarch64", "loong64"),
    ])
    func arch(machine: String, goarch: String) {
        #expect(Platform.goArch(fromMachine: machine) == goarch)
    }

    @Test("uname -s maps to GOOS", arguments: [("Linux", "linux"), ("Darwin", "darwin")])
    func os(kernel: String, goos: String) {
        #expect(Platform.goOS(fromKernel: kernel) == goos)
    }

    @Test("this machine is described in Go's terms")
    func current() {
        let platform = Platform.current
        #expect(["linux", "darwin"].contains(platform.os))
        #expect(["amd64", "arm64"].contains(platform.arch))
    }
}
