import Foundation
import Testing

/// `$GOVER_ROOT/bin/go1.X.Y -> ../go1.X.Y/bin/go`: exactly one link per installed version,
/// kept in step by install and uninstall, re-made by any command that takes the lock, never
/// dangling, never written through a hostile `bin`.
@Suite("versioned commands in the store's bin/", .serialized)
struct VersionedCommandsTests {
    static func links(_ sandbox: Sandbox) -> [String: String] {
        let bin = sandbox.root + "/bin"
        var result: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: bin)) ?? [] {
            result[name] = (try? FileManager.default.destinationOfSymbolicLink(atPath: bin + "/" + name)) ?? "(not a link)"
        }
        return result
    }

    @Test("install adds a relative link per version, uninstall removes it; the link runs that version")
    func followsInstallAndUninstall() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5")
        try sandbox.publish("go1.23rc1")
        #expect(try sandbox.gover("install", "1.21", "1.22.5", "1.23rc1").status == 0)
        #expect(Self.links(sandbox) == ["go1.21.13": "../go1.21.13/bin/go", "go1.22.5": "../go1.22.5/bin/go",
                                        "go1.23rc1": "../go1.23rc1/bin/go"])
        let run = try runProgram(sandbox.root + "/bin/go1.22.5", ["version"], timeout: 10)
        #expect(run.stdout == "go version go1.22.5 linux/amd64\n", "\(run)")

        #expect(try sandbox.gover("uninstall", "1.22.5").status == 0)
        #expect(Self.links(sandbox) == ["go1.21.13": "../go1.21.13/bin/go", "go1.23rc1": "../go1.23rc1/bin/go"])
        // A failed install adds nothing.
        try sandbox.publish("go1.24.0", indexSHA256: String(repeating: "0", count: 64))
        #expect(try sandbox.gover("install", "1.24.0").status == 5)
        #expect(Self.links(sandbox)["go1.24.0"] == nil)
    }

    @Test("a store from an older gover (no bin/) gets its links on the next command that takes the lock; doctor reports, --fix repairs")
    func olderStore() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5")
        #expect(try sandbox.gover("install", "1.21", "1.22.5").status == 0)
        try FileManager.default.removeItem(atPath: sandbox.root + "/bin")

        let doctor = try sandbox.gover("doctor", "--json", "--offline")
        let report = try DoctorOutput(doctor)
        #expect(report.status("store.commands") == "warning", "\(doctor)")
        #expect(report.message("store.commands").contains("no link for go1.21.13, go1.22.5"))
        #expect(report.fix("store.commands").hasPrefix("gover doctor --fix"))

        let fixed = try DoctorOutput(try sandbox.gover("doctor", "--json", "--offline", "--fix"))
        #expect(fixed.status("store.commands") == "ok")
        #expect(Self.links(sandbox).count == 2)

        try FileManager.default.removeItem(atPath: sandbox.root + "/bin")
        #expect(try sandbox.gover("use", "1.21").status == 0)
        #expect(Self.links(sandbox) == ["go1.21.13": "../go1.21.13/bin/go", "go1.22.5": "../go1.22.5/bin/go"])
    }

    @Test("stale links and wrong targets are replaced; files not named like a version are left alone")
    func drift() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        #expect(try sandbox.gover("install", "1.22.5").status == 0)
        let bin = sandbox.root + "/bin"
        unlink(bin + "/go1.22.5")
        try FileManager.default.createSymbolicLink(atPath: bin + "/go1.22.5", withDestinationPath: "/usr/bin/true")
        try FileManager.default.createSymbolicLink(atPath: bin + "/go1.19.13", withDestinationPath: "../go1.19.13/bin/go")
        try "mine\n".write(toFile: bin + "/README", atomically: true, encoding: .utf8)
        #expect(try sandbox.gover("use", "1.22.5").status == 0)
        #expect(Self.links(sandbox) == ["go1.22.5": "../go1.22.5/bin/go", "README": "(not a link)"])
        #expect(try String(contentsOfFile: bin + "/README", encoding: .utf8) == "mine\n")
    }

    @Test("a bin that is a symlink (to a directory elsewhere) is never written through; doctor names it")
    func hostileBin() throws {
        let sandbox = try Sandbox()
        let canary = sandbox.directory + "/canary"
        try FileManager.default.createDirectory(atPath: canary, withIntermediateDirectories: true)
        try "keep\n".write(toFile: canary + "/go1.21.13", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: sandbox.root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: sandbox.root + "/bin", withDestinationPath: canary)
        try sandbox.publish("go1.21.13")
        #expect(try sandbox.gover("install", "1.21").status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: canary) == ["go1.21.13"])
        #expect(try String(contentsOfFile: canary + "/go1.21.13", encoding: .utf8) == "keep\n")
        let report = try DoctorOutput(try sandbox.gover("doctor", "--json", "--offline"))
        #expect(report.status("store.commands") == "error")
        #expect(report.message("store.commands").contains("is not a directory"))
    }

    @Test("while versions are installed and uninstalled, a link never points at a missing tree")
    func neverDangles() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.21.13")
        try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 300_000))
        #expect(try sandbox.gover("install", "1.21").status == 0)
        let link = sandbox.root + "/bin/go1.22.5"
        let dangling = Locked(0), seen = Locked(0), stop = Locked(false)
        let watcher = Thread {
            while !stop.value {
                var info = stat()
                if lstat(link, &info) == 0 {
                    seen.update { $0 += 1 }
                    if access(link, X_OK) != 0 && lstat(link, &info) == 0 { dangling.update { $0 += 1 } }
                }
            }
        }
        watcher.start()
        for _ in 0..<4 {
            #expect(try sandbox.gover("install", "1.22.5").status == 0)
            #expect(try sandbox.gover("uninstall", "1.22.5").status == 0)
        }
        stop.update { $0 = true }
        usleep(50_000)
        #expect(seen.value > 0, "the watcher never saw the link")
        #expect(dangling.value == 0, "the link pointed at a missing tree \(dangling.value) times")
    }

    @Test("the store stays relocatable: a copy's links work where the copy is")
    func relocatable() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        #expect(try sandbox.gover("install", "1.22.5").status == 0)
        let copy = sandbox.directory + "/moved-store"
        #expect(FilesystemTests.run("/bin/cp", ["-a", sandbox.root, copy]) == 0)
        try FileManager.default.removeItem(atPath: sandbox.root)
        let run = try runProgram(copy + "/bin/go1.22.5", ["version"], timeout: 10)
        #expect(run.stdout == "go version go1.22.5 linux/amd64\n", "\(run)")
    }

    @Test("gover env puts the store's bin right after current/bin, in every shell's code")
    func envOrder() throws {
        let sandbox = try Sandbox()
        for shell in ["bash", "zsh", "sh", "fish"] {
            let result = try sandbox.gover("env", "--shell", shell)
            #expect(result.status == 0, "\(result)")
            let current = try #require(result.stdout.range(of: sandbox.root + "/current/bin"))
            let bin = try #require(result.stdout.range(of: "\"" + sandbox.root + "/bin\""), "\(shell): \(result.stdout)")
            #expect(current.lowerBound < bin.lowerBound)
        }
    }

    @Test("a GOVER_ROOT that is a symlink is used by its real path: versions found, env names the real path")
    func symlinkedRoot() throws {
        let sandbox = try Sandbox()
        let real = sandbox.directory + "/real-store"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        let link = sandbox.directory + "/store-link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        try sandbox.publish("go1.22.5")
        #expect(try sandbox.gover("install", "1.22.5", env: ["GOVER_ROOT": link]).status == 0)
        let list = try sandbox.gover("list", env: ["GOVER_ROOT": link])
        #expect(list.stdout == "* go1.22.5\n", "\(list)")
        #expect(try sandbox.gover("use", "1.22.5", env: ["GOVER_ROOT": link]).status == 0)
        #expect(FileManager.default.fileExists(atPath: real + "/bin/go1.22.5"))
        let env = try sandbox.gover("env", "--shell", "bash", env: ["GOVER_ROOT": link])
        #expect(env.stdout.contains(real + "/current/bin"), "\(env)")
        #expect(!env.stdout.contains(link + "/current/bin"), "\(env)")
    }
}
