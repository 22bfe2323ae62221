/// The checks behind Go's own toolchain switching being served from the store: `bin/`
/// matches the installed versions, it is on PATH, and the project's go.mod/go.work asks for
/// a version the store has.
extension Doctor {
    func commandsCheck() -> DoctorCheck {
        let drift = store.commandsDrift()
        let directory = store.commandsDirectory
        if drift.unusableDirectory {
            return DoctorCheck("store.commands", .error, "\(directory) is not a directory (a symlink or a file): gover leaves it alone, and Go's toolchain switching cannot use the store",
                               fix: "remove \(shellQuoted(directory)), then run `gover doctor --fix`")
        }
        if drift.isEmpty {
            let count = store.installedVersions().count
            return DoctorCheck("store.commands", .ok, "\(directory) has a go1.X.Y link for each of the \(count) installed versions")
        }
        var problems: [String] = []
        if !drift.missing.isEmpty { problems.append("no link for \(drift.missing.joined(separator: ", "))") }
        if !drift.stale.isEmpty { problems.append("stale entries \(drift.stale.joined(separator: ", ")) (no such installed version, or pointing elsewhere)") }
        return DoctorCheck("store.commands", .warning, "\(directory): " + problems.joined(separator: "; "),
                           fix: "gover doctor --fix (re-links \(directory) under the store lock)")
    }

    func commandsPathCheck() -> DoctorCheck {
        let directory = store.commandsDirectory
        let entries = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        if entries.contains(directory) {
            return DoctorCheck("path.commands", .ok, "\(directory) is on PATH: Go's own toolchain switching finds gover's versions there")
        }
        return DoctorCheck("path.commands", .warning,
                           "\(directory) is not on PATH: when a go.mod asks for a newer Go, the go command downloads it instead of running gover's",
                           fix: "for this shell: \(evalCommand); for new shells: \(initCommand)")
    }

    /// A project whose go.mod/go.work needs a newer Go than `current`: the go command
    /// switches to exactly that version, from `bin/` when gover has it.
    func servedLocallyCheck(module: ProjectPin, needed: GoVersion, current: GoVersion) -> DoctorCheck? {
        guard store.installedVersions().contains(needed) else { return nil }
        let link = store.commandsDirectory + "/" + needed.name
        let onPath = (environment["PATH"] ?? "").split(separator: ":").contains(Substring(store.commandsDirectory))
        if onPath && FileSystem.readLink(link) != nil {
            return DoctorCheck("project.toolchain", .ok,
                               "\(module.path):\(module.line) needs Go >= \(needed.number): the go command switches from \(current.name) to gover's \(needed.name) (\(link)); nothing is downloaded")
        }
        return DoctorCheck("project.toolchain", .warning,
                           "\(module.path):\(module.line) needs Go >= \(needed.number); gover has \(needed.name), but the go command cannot find \(link) and downloads its own copy",
                           fix: onPath ? "gover doctor --fix" : "for this shell: \(evalCommand); for new shells: \(initCommand)")
    }
}
