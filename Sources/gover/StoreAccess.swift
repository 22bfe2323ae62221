import GoverCore

extension GlobalOptions {
    /// The context of a command that reads or changes the store, once the store passed
    /// `Store.checkSafe` (owners, modes, no symlinked internals, a sane `current`): a hostile
    /// store is refused before anything is read from it or written into it.
    func checkedContext(os: String? = nil, arch: String? = nil) throws -> GoverContext {
        try checked(self.context(os: os, arch: arch))
    }
}

/// `context` once its store passed `Store.checkSafe`, for the parsed commands and the fast path.
func checked(_ context: GoverContext) throws -> GoverContext {
    var context = context
    // Trees for another platform live under their own names (go1.22.5.darwin-arm64).
    context.store.platform = context.platform
    try context.store.checkSafe()
    return context
}

/// `--os`/`--arch` must be plain Go names (lowercase letters and digits): they become part
/// of a file name and of a store directory name (`go1.22.5.darwin-arm64`).
func validatePlatformOptions(os: String?, arch: String?) throws {
    for (option, value) in [("--os", os), ("--arch", arch)] {
        if let value, value.isEmpty || !value.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }) {
            throw GoverError.invalidPlatform(option: option, value: value)
        }
    }
}

/// The version this shell runs and what chose it: a session or directory pin in this shell's
/// PATH first, else `current`, which must be sound (not dangling, not outside the store).
func activeInThisShell(_ store: Store) throws -> (version: GoVersion, chooser: ShellSession.Chooser) {
    if let active = ShellSession(store: store, environment: currentEnvironment()).active(), active.chooser != .current {
        return active
    }
    return (try store.requireCurrentVersion(), .current)
}
