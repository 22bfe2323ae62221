import Testing
@testable import GoverCore

private func v(_ text: String) -> GoVersion { GoVersion(text)! }

/// The error's reason text, or nil when parsing did not fail with `invalidPinFile`.
private func pinError(_ body: () throws -> Any?) -> String? {
    do {
        _ = try body()
        return nil
    } catch GoverError.invalidPinFile(_, let line, let reason) {
        return "\(line): \(reason)"
    } catch {
        return "unexpected: \(error)"
    }
}

@Suite("Project pins: .go-version, go.mod/go.work, .tool-versions")
struct PinTests {
    @Test(".go-version accepts one version, comments, blank lines, CRLF and a BOM", arguments: [
        ("1.22.5\n", PinRequirement.selector(.exact(v("go1.22.5")))),
        ("go1.22.5", .selector(.exact(v("go1.22.5")))),
        ("1.22\n", .selector(.line(major: 1, minor: 22))),
        ("1.23rc1\n", .selector(.exact(v("go1.23rc1")))),
        ("# pinned for CI\n\n   1.21.13   # LTS-ish\n\n", .selector(.exact(v("go1.21.13")))),
        ("1.22.5\r\n", .selector(.exact(v("go1.22.5")))),
        ("\r\n# c\r\n1.22\r\n", .selector(.line(major: 1, minor: 22))),
        ("\u{FEFF}1.21.13\n", .selector(.exact(v("go1.21.13")))),
    ])
    func goVersionFile(text: String, expected: PinRequirement) throws {
        #expect(try PinParser.goVersionFile(text, path: ".go-version")?.requirement == expected)
    }

    @Test(".go-version refuses anything that is not one version, naming the line", arguments: [
        ("../../etc/passwd\n", "1: `../../etc/passwd` is not a Go version"),
        ("/usr/local/go\n", "1: `/usr/local/go` is not a Go version"),
        ("~/go/bin/go", "1: `~/go/bin/go` is not a Go version"),
        ("<<<<<<< HEAD\n1.22.5\n=======\n1.21.0\n>>>>>>> main\n", "1: an unresolved merge conflict"),
        ("1.22.5\n=======\n", "2: an unresolved merge conflict"),
        ("1.22.5\n1.21.13\n", "2: a second version"),
        ("", "1: no version in it"),
        ("# only a comment\n\n", "1: no version in it"),
        ("latest\n", "1: `latest` is not a Go version"),
        ("1\n", "1: `1` is not a Go version"),
        ("1.22.5; rm -rf /\n", "1: `1.22.5; rm -rf /` is not a Go version"),
        ("$(id)\n", "1: `$(id)` is not a Go version"),
        ("1.22.5 1.21.0\n", "1: `1.22.5 1.21.0` is not a Go version"),
        ("v1.22.5\n", "1: `v1.22.5` is not a Go version"),
        ("1.22.x\n", "1: `1.22.x` is not a Go version"),
        ("\u{1B}[31m1.22\n", "1: control characters in `?[31m1.22`"),
        ("1.2\r2\n", "1: control characters in `1.2?2`"),
    ])
    func goVersionFileRefuses(text: String, expected: String) {
        let error = pinError { try PinParser.goVersionFile(text, path: ".go-version") }
        #expect(error?.hasPrefix(expected) == true, "\(error ?? "no error")")
    }

    @Test("an error shows at most 40 characters of what the file holds")
    func longContentsAreCut() {
        let error = pinError { try PinParser.goVersionFile(String(repeating: "A", count: 5000), path: ".go-version") }
        #expect(error == "1: `\(String(repeating: "A", count: 40))...` is not a Go version")
    }

    @Test("go.mod and go.work: the toolchain line unless older than the go line, else the go line as a minimum", arguments: [
        ("module example.com/x\n\ngo 1.22\n", PinRequirement.atLeast(v("go1.22"))),
        ("module x\ngo 1.21.0\ntoolchain go1.22.5\n", .selector(.exact(v("go1.22.5")))),
        ("module x\ngo 1.22.3\ntoolchain go1.21.0\n", .atLeast(v("go1.22.3"))),
        ("module x\ngo 1.22.3\ntoolchain go1.22.3\n", .selector(.exact(v("go1.22.3")))),
        ("module x\ngo 1.20\n", .atLeast(v("go1.20"))),
        ("module x\ngo 1.21rc1\n", .atLeast(v("go1.21rc1"))),
        ("module x\n\nrequire (\n\tgo.uber.org/zap v1.27.0\n\tgo 1.99\n)\n\ngo 1.22\n", .atLeast(v("go1.22"))),
        ("module x // the module\r\ngo 1.22 // minimum\r\n", .atLeast(v("go1.22"))),
        ("go 1.22\ntoolchain go1.22.5-bigcorp\n", .selector(.exact(v("go1.22.5")))),
        ("go 1.23.0\n\nuse (\n\t./a\n\t./b\n)\n", .atLeast(v("go1.23.0"))),
        ("go 1.22\ntoolchain default\n", .atLeast(v("go1.22"))),
    ])
    func goModule(text: String, expected: PinRequirement) throws {
        #expect(try PinParser.goModule(text, path: "go.mod")?.requirement == expected)
    }

    @Test("a go.mod without a go line pins nothing")
    func goModuleWithoutGoLine() throws {
        #expect(try PinParser.goModule("module x\n\nrequire golang.org/x/mod v0.17.0\n", path: "go.mod") == nil)
    }

    @Test("go.mod refuses hostile or broken directives", arguments: [
        ("module x\ngo ../../etc/passwd\n", "2: `go ../../etc/passwd` does not name a Go version"),
        ("go 1.22\ngo 1.23\n", "2: a second go line"),
        ("go 1.22\ntoolchain /usr/bin/go\n", "2: `toolchain /usr/bin/go` does not name a Go toolchain"),
        ("go 1.22\ntoolchain go1.22.5\ntoolchain go1.23.0\n", "3: a second toolchain line"),
        ("module x\n<<<<<<< HEAD\ngo 1.22\n=======\ngo 1.23\n>>>>>>> feature\n", "2: an unresolved merge conflict"),
        ("go go1.22\n", "1: `go go1.22` does not name a Go version"),
        ("go 1.22 extra\n", "1: `go 1.22 extra` is not a go directive"),
        ("go\n", "1: `go` is not a go directive"),
    ])
    func goModuleRefuses(text: String, expected: String) {
        let error = pinError { try PinParser.goModule(text, path: "go.mod") }
        #expect(error?.hasPrefix(expected) == true, "\(error ?? "no error")")
    }

    @Test(".tool-versions: the golang (or go) line, its first version", arguments: [
        ("nodejs 20.11.0\ngolang 1.22.5\n", PinRequirement.selector(.exact(v("go1.22.5")))),
        ("golang 1.22.5 1.21.13  # fallback\n", .selector(.exact(v("go1.22.5")))),
        ("go\t1.22\r\n", .selector(.line(major: 1, minor: 22))),
    ])
    func toolVersions(text: String, expected: PinRequirement) throws {
        #expect(try PinParser.toolVersions(text, path: ".tool-versions")?.requirement == expected)
    }

    @Test(".tool-versions without golang pins nothing; a bad golang line is an error")
    func toolVersionsEdges() throws {
        #expect(try PinParser.toolVersions("python 3.12.1\nnodejs 20\n", path: ".tool-versions") == nil)
        #expect(pinError { try PinParser.toolVersions("golang ../../etc/passwd\n", path: "t") }?.hasPrefix("1: `../../etc/passwd` is not a Go version") == true)
        #expect(pinError { try PinParser.toolVersions("golang system\n", path: "t") }?.hasPrefix("1: `system` is not a Go version") == true)
        #expect(pinError { try PinParser.toolVersions("golang\n", path: "t") }?.hasPrefix("1: `golang` without a version") == true)
    }

    @Test("a minimum is met by itself or any newer stable release; go 1.20 means go1.20")
    func minimumSemantics() {
        let go122 = PinRequirement.atLeast(v("go1.22"))
        #expect(go122.isSatisfied(by: v("go1.22.0")))
        #expect(go122.isSatisfied(by: v("go1.23.1")))
        #expect(!go122.isSatisfied(by: v("go1.21.13")))
        #expect(!go122.isSatisfied(by: v("go1.22rc1")))
        #expect(!go122.isSatisfied(by: v("go1.24rc1")))
        #expect(go122.newest(in: [v("go1.21.13"), v("go1.22.5"), v("go1.23.1"), v("go1.24rc1")]) == v("go1.23.1"))
        let go120 = PinRequirement.atLeast(v("go1.20"))
        #expect(go120.isSatisfied(by: v("go1.20")))
        #expect(go120.newest(in: [v("go1.19.13"), v("go1.20")])?.name == "go1.20")
        #expect(PinRequirement.atLeast(v("go1.21rc1")).isSatisfied(by: v("go1.21rc1")))
        #expect(PinRequirement.selector(.line(major: 1, minor: 21)).newest(in: [v("go1.21.13"), v("go1.22.5")]) == v("go1.21.13"))
    }

    @Test("a minimum selects the newest installed version, else the newest available one")
    func minimumSelection() throws {
        let pin = ProjectPin(path: "/p/go.mod", kind: .goMod, line: 3, requirement: .atLeast(v("go1.22")))
        #expect(try pin.selector(installed: [v("go1.22.5"), v("go1.21.13")], index: nil) == "1.22.5")
        let index = ReleaseIndex(releases: ["go1.21.13", "go1.22.5", "go1.23.4", "go1.24rc1"].map {
            Release(version: v($0), stable: v($0).isStable, files: [])
        })
        #expect(try pin.selector(installed: [v("go1.21.13")], index: { index }) == "1.23.4")
        #expect(throws: GoverError.pinNotSatisfied(pin: "Go >= 1.22", file: "/p/go.mod", installed: ["1.21.13"])) {
            try pin.selector(installed: [v("go1.21.13")], index: nil)
        }
        let exact = ProjectPin(path: "/p/.go-version", kind: .goVersion, line: 1, requirement: .selector(.line(major: 1, minor: 22)))
        #expect(try exact.selector(installed: [], index: nil) == "1.22")
    }
}

@Suite("Finding the project pin from a directory upward")
struct PinDiscoveryTests {
    let root: String

    init() throws {
        var template = Array("/tmp/gover-pins-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        root = String(cString: made!)
    }

    private func write(_ relative: String, _ text: String) throws {
        let path = root + "/" + relative
        try FileSystem.makeDirectories(FileSystem.parentPath(of: path))
        try FileSystem.writeFileAtomically(path, Array(text.utf8))
    }

    @Test("the nearest directory wins; within one, .go-version, go.work, go.mod, .tool-versions in that order")
    func order() throws {
        defer { try? FileSystem.removeTree(root) }
        try write(".go-version", "1.21.13\n")
        try write("app/go.mod", "module app\n\ngo 1.22\n")
        try write("app/.tool-versions", "golang 1.20.14\n")
        try FileSystem.makeDirectories(root + "/app/cmd/tool")

        let deep = try ProjectPin.discover(from: root + "/app/cmd/tool")
        #expect(deep?.path == root + "/app/go.mod")
        #expect(deep?.kind == .goMod)
        #expect(deep?.line == 3)
        #expect(deep?.requirement == .atLeast(v("go1.22")))
        #expect(try ProjectPin.discover(from: root)?.path == root + "/.go-version")

        try write("app/.go-version", "1.22.5\n")
        #expect(try ProjectPin.discover(from: root + "/app/cmd")?.path == root + "/app/.go-version")
        try write("app/go.work", "go 1.23.0\n")
        #expect(try ProjectPin.discover(from: root + "/app", kinds: [.goWork, .goMod])?.path == root + "/app/go.work")
    }

    @Test("files that pin nothing are passed over")
    func passOver() throws {
        defer { try? FileSystem.removeTree(root) }
        try write(".go-version", "go1.22.5\n")
        try write("svc/.tool-versions", "nodejs 20.11.0\n")
        try write("svc/go.mod", "module svc\n")
        #expect(try ProjectPin.discover(from: root + "/svc")?.path == root + "/.go-version")
    }

    @Test("hostile files: a FIFO, binary and oversized files and symlinks to other files are refused; a directory is passed over")
    func hostileFiles() throws {
        defer { try? FileSystem.removeTree(root) }
        try FileSystem.makeDirectories(root + "/fifo")
        #expect(mkfifo(root + "/fifo/.go-version", 0o644) == 0)
        #expect(pinError { try ProjectPin.discover(from: root + "/fifo") } == "1: it is a FIFO (named pipe), not a regular file")
        try FileSystem.makeDirectories(root + "/dir/.go-version")
        #expect(try ProjectPin.discover(from: root + "/dir")?.path != root + "/dir/.go-version")

        try write("binary/.go-version", "1.22.5\u{0}\n")
        #expect(pinError { try ProjectPin.discover(from: root + "/binary") }?.hasPrefix("1: binary data") == true)

        try write("big/.go-version", "# " + String(repeating: "x", count: 1 << 20) + "\n1.22.5\n")
        #expect(pinError { try ProjectPin.discover(from: root + "/big") }?.contains("too large") == true)

        try FileSystem.makeDirectories(root + "/link")
        #expect(symlink("/etc/passwd", root + "/link/.go-version") == 0)
        let error = pinError { try ProjectPin.discover(from: root + "/link") }
        #expect(error?.hasPrefix("1: `root:x:0:0:root:/root:/bin/bash` is not a Go version") == true || error?.contains("is not a Go version") == true,
                "\(error ?? "no error")")
    }
}
