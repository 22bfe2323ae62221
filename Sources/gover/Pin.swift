import GoverCore

/// For `gover use` and `gover install` without a selector: the version the project's pin
/// file (.go-version, go.work, go.mod, .tool-versions, from here upward) asks for.
func pinnedSelector(_ context: GoverContext, mayLoadIndex: Bool) throws -> String {
    let directory = currentDirectory()
    guard let pin = try ProjectPin.discover(from: directory) else { throw GoverError.noPin(directory: directory) }
    let text = try pin.selector(installed: context.store.installedVersions(),
                                index: mayLoadIndex ? { try context.indexProvider.load() } : nil)
    context.reporter.info("\(pin.path):\(pin.line) asks for \(pin.requirement): \(text)")
    return text
}
