/// `$GOVER_ROOT/bin/` holds one relative symlink per installed version, named as the go
/// command names toolchains: `go1.23.4 -> ../go1.23.4/bin/go`.
///
/// Go ≥ 1.21 switches toolchains by itself (`GOTOOLCHAIN=auto`): when a `go.mod` needs a
/// newer Go, the go command first looks on `PATH` for an executable named exactly
/// `go1.23.4` and runs it, and only when there is none downloads that toolchain into the
/// module cache. With `bin/` on `PATH` (after `current/bin`), Go's own switching runs
/// gover's verified copy, and nothing is downloaded behind gover's back. The go command
/// resolves its root from the real path of its executable, so the link is enough; links are
/// relative, so the store stays relocatable.
///
/// The links follow the installed trees exactly: a link is added only after its tree is in
/// place and removed before its tree goes away (no window in which it dangles), and every
/// command that takes the store lock re-synchronises `bin/`, so a store made by an older
/// gover gets its links on the next such command. Entries of `bin/` that are not named like
/// a Go version are left alone.
extension Store {
    public var commandsDirectory: String { root + "/bin" }

    /// What `bin/` lacks or has too many of, compared with the installed versions.
    public struct CommandsDrift: Sendable, Equatable {
        /// Installed versions without a correct link.
        public var missing: [String] = []
        /// Links (or other entries named like a version) for no installed version, or
        /// pointing somewhere else.
        public var stale: [String] = []
        /// `bin` exists but is not a real directory (a symlink, a file): left alone.
        public var unusableDirectory = false

        public var isEmpty: Bool { missing.isEmpty && stale.isEmpty && !unusableDirectory }
    }

    static func commandLinkTarget(for version: GoVersion) -> String { "../\(version.name)/bin/go" }

    /// Compares `bin/` with the installed versions; reads only (doctor).
    public func commandsDrift() -> CommandsDrift {
        var drift = CommandsDrift()
        var info = stat()
        let exists = lstat(commandsDirectory, &info) == 0
        if exists && (info.st_mode & S_IFMT) != S_IFDIR {
            drift.unusableDirectory = true
            return drift
        }
        let installed = installedVersions()
        let wanted = Set(installed.map(\.name))
        var present = Set<String>()
        for name in exists ? FileSystem.directoryEntries(commandsDirectory) : [] {
            guard let version = GoVersion(name), version.name == name else { continue }
            if wanted.contains(name), FileSystem.readLink(commandsDirectory + "/" + name) == Self.commandLinkTarget(for: version) {
                present.insert(name)
            } else {
                drift.stale.append(name)
            }
        }
        drift.missing = installed.map(\.name).filter { !present.contains($0) }
        drift.stale.sort()
        return drift
    }

    /// Makes `bin/` match the installed versions. Called under the store lock; best effort:
    /// a store whose `bin` is unusable keeps working, `gover doctor` reports it.
    @discardableResult
    public func syncCommands() -> CommandsDrift {
        let drift = commandsDrift()
        guard !drift.unusableDirectory, !drift.isEmpty else { return drift }
        for name in drift.stale { unlink(commandsDirectory + "/" + name) }
        if !drift.missing.isEmpty {
            guard (try? FileSystem.makeDirectory(commandsDirectory, mode: Self.directoryMode)) != nil else { return drift }
            _ = chmod(commandsDirectory, Self.directoryMode)
            for name in drift.missing {
                guard let version = GoVersion(name) else { continue }
                try? linkCommand(for: version)
            }
        }
        return drift
    }

    /// A new link under a temporary name, then `rename(2)` over whatever had the name.
    private func linkCommand(for version: GoVersion) throws {
        let link = commandsDirectory + "/" + version.name
        let temporary = commandsDirectory + "/.\(version.name).tmp-\(getpid())"
        unlink(temporary)
        guard symlink(Self.commandLinkTarget(for: version), temporary) == 0 else {
            throw GoverError.filesystem(path: temporary, operation: "create symlink", errno: errno)
        }
        do { try FileSystem.move(temporary, to: link) } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Before a version's tree goes away: its link goes first.
    func unlinkCommand(for version: GoVersion) {
        let link = commandsDirectory + "/" + version.name
        if FileSystem.readLink(link) != nil { unlink(link) }
    }
}
