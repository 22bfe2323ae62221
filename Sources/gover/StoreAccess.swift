import GoverCore

extension GlobalOptions {
    /// The context of a command that reads or changes the store, once the store passed
    /// `Store.checkSafe` (owners, modes, no symlinked internals, a sane `current`): a hostile
    /// store is refused before anything is read from it or written into it.
    func checkedContext(os: String? = nil, arch: String? = nil) throws -> GoverContext {
        var context = self.context(os: os, arch: arch)
        // Trees for another platform live under their own names (go1.22.5.darwin-arm64).
        context.store.platform = context.platform
        try context.store.checkSafe()
        return context
    }
}
