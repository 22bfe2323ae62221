import ArgumentParser
import GoverCore

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check that `go` is gover's current version here, and say how to fix what is not.",
        discussion: """
        Checks the store (current, each version runs, no leftover staging), every go on PATH \
        (the first must be gover's; a shadowing one is named with where it likely came from \
        and the start-up file line that adds it), `go version`, GOROOT, GOPATH/bin on PATH, \
        GOTOOLCHAIN, the project's pin and go.mod/go.work, GOPROXY's first entry (one HEAD \
        request; not with --offline) and the gover block in your shell's start-up files.
        Changes nothing, unless --fix: then it first re-links the store's bin/ (the go1.X.Y \
        commands Go's own toolchain switching looks for) and removes debris of killed \
        installs, under the store lock. Exit status 0 when nothing is wrong (warnings \
        allowed), 1 otherwise.

        --json prints {"schema": 1, "ok": BOOL, "checks": [{"id", "status", "message", "fix"}]} \
        with status ok, warning, error or skipped and fix null when there is nothing to do.
        """
    )

    @Flag(help: "Print the findings as JSON (a stable shape for CI).")
    var json = false

    @Flag(help: "First repair the store's bookkeeping (bin/ links, staging debris) under the store lock.")
    var fix = false

    @Option(help: ArgumentHelp("The shell whose start-up files to check (default: the shell gover runs from, else $SHELL).", valueName: "shell"))
    var shell: Shell?

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let environment = currentEnvironment()
        let context = options.context()
        if fix {
            InterruptMonitor.shared.start()
            // Taking the lock removes staging debris and re-links bin/ (Store.lock).
            _ = try context.lockStore()
        }
        let doctor = Doctor(
            store: context.store, environment: environment, workingDirectory: currentDirectory(),
            home: GoverContext.homeDirectory(environment: environment),
            shell: try? self.shell ?? Shell.detect(environment: environment),
            os: context.platform.os, offline: context.offline, http: Doctor.probeClient(environment: environment)
        )
        let report = doctor.run()
        writeAll(json ? try report.json() : report.text(), to: 1)
        if !report.ok { throw ExitCode(1) }
    }
}
