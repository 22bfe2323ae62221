import Foundation
import Testing

@Suite("Project pins in use/install/current, gover exec, completions")
struct PinExecTests {
    private func project(_ sandbox: Sandbox, _ files: [String: String]) throws -> String {
        let directory = sandbox.directory + "/project"
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        return directory
    }

    private func run(_ sandbox: Sandbox, _ arguments: String..., in directory: String, env: [String: String] = [:]) throws -> CommandResult {
        try sandbox.start(arguments, env: env, directory: directory).wait()
    }

    @Test("use without a selector switches to what .go-version asks for; current --verbose names the file")
    func useReadsGoVersion() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.21.13", "1.22.5").status == 0)
        let directory = try project(sandbox, [".go-version": "# CI uses this\n1.21\n"])

        let use = try run(sandbox, "use", in: directory + "/sub")
        #expect(use.status == 0, "\(use)")
        #expect(use.stderr.contains("\(directory)/.go-version:2 asks for Go 1.21.x: 1.21"), "\(use)")
        #expect(sandbox.currentGoVersion() == "go version go1.21.13 linux/amd64")

        let verbose = try run(sandbox, "current", "--verbose", in: directory)
        #expect(verbose.stdout.hasPrefix("go1.21.13\n"))
        #expect(verbose.stdout.contains("project pin: \(directory)/.go-version:2 asks for Go 1.21.x, satisfied by go1.21.13"), "\(verbose)")
        #expect(try run(sandbox, "current", in: directory).stdout == "go1.21.13\n")
    }

    @Test("install without a selector: go.mod's `go 1.22` installs the newest release that satisfies it")
    func installReadsGoMod() throws {
        let sandbox = try Sandbox()
        for version in ["go1.21.13", "go1.22.5", "go1.23.4", "go1.24rc1"] { try sandbox.publish(version) }
        let directory = try project(sandbox, ["go.mod": "module example.com/p\r\n\r\ngo 1.22\r\n"])
        let install = try run(sandbox, "install", "--use", in: directory)
        #expect(install.status == 0, "\(install)")
        #expect(install.stderr.contains("go.mod:3 asks for Go >= 1.22: 1.23.4"), "\(install)")
        #expect(sandbox.currentGoVersion() == "go version go1.23.4 linux/amd64")

        // Now an installed version satisfies it: nothing is downloaded.
        let again = try run(sandbox, "install", in: directory)
        #expect(again.status == 0)
        #expect(again.stderr.contains("go1.23.4 is already installed"), "\(again)")
        #expect(sandbox.server.archiveRequests().count == 1)

        let toolchain = try project(sandbox, ["go.mod": "module p\ngo 1.21.0\ntoolchain go1.22.5\n"])
        let pinned = try run(sandbox, "use", "--install", in: toolchain)
        #expect(pinned.status == 0, "\(pinned)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("a hostile pin file is a clear error (exit 2), never a path; no pin at all says what to do")
    func badPins() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        let hostile = try project(sandbox, [".go-version": "../../etc/passwd\n"])
        let result = try run(sandbox, "install", in: hostile)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("error: \(hostile)/.go-version:1: `../../etc/passwd` is not a Go version"), "\(result)")
        #expect(sandbox.storeSnapshot().isEmpty)

        let conflict = sandbox.directory + "/conflict"
        try FileManager.default.createDirectory(atPath: conflict, withIntermediateDirectories: true)
        try "<<<<<<< HEAD\n1.22.5\n=======\n1.21.13\n>>>>>>> main\n".write(toFile: conflict + "/.go-version", atomically: true, encoding: .utf8)
        let merged = try run(sandbox, "use", in: conflict)
        #expect(merged.status == 2)
        #expect(merged.stderr.contains("unresolved merge conflict"))

        let nothing = try run(sandbox, "use", in: "/")
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("no version given, and no .go-version"), "\(nothing)")
    }

    @Test("exec runs a command with another version first on PATH, passes its exit status, changes nothing")
    func exec() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5")
        try #require(try sandbox.gover("install", "1.21.13", "1.22.5", "--use").status == 0)

        let version = try sandbox.gover("exec", "1.21", "--", "go", "version", env: ["PATH": sandbox.root + "/current/bin:/usr/bin:/bin"])
        #expect(version.status == 0, "\(version)")
        #expect(version.stdout == "go version go1.21.13 linux/amd64\n")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")

        let status = try sandbox.gover("exec", "1.22.5", "--", "/bin/sh", "-c", "exit 7")
        #expect(status.status == 7)
        let environment = try sandbox.gover("exec", "1.22", "--", "/bin/sh", "-c", "echo \"${GOROOT:-unset} $PATH\"",
                                            env: ["GOROOT": "/usr/local/go"])
        #expect(environment.stdout == "unset \(sandbox.root)/go1.22.5/bin:/usr/local/bin:/usr/bin:/bin\n", "\(environment)")

        #expect(try sandbox.gover("exec", "1.22", "--", "no-such-command-here").status == 127)
        let missing = try sandbox.gover("exec", "1.30", "--", "go", "version")
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("gover install 1.30"))
        #expect(try sandbox.gover("exec", "1.22").status == 2)
    }

    @Test("completion scripts for bash, zsh and fish", arguments: ["bash", "zsh", "fish"])
    func completions(shell: String) throws {
        let sandbox = try Sandbox()
        let result = try sandbox.gover("--generate-completion-script", shell)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("gover"))
        #expect(result.stdout.contains("doctor") && result.stdout.contains("exec"))
    }
}
