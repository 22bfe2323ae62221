/// Which Go a shell runs, and why: a session version (`gover shell 1.21`), else the
/// directory's pin (with the `--auto` hook), else the global `current`.
///
/// The first two act on this shell's PATH only: the chosen version's `<store>/go1.X.Y/bin` goes
/// in front of everything (before `current/bin`), and is taken out again when the session ends
/// or the directory has no pin. Nothing global changes and no process sits in front of `go`.
/// The shell carries the choice in two exported variables, read back by `gover current
/// --verbose`, `gover which` and `gover doctor`:
///
/// - `GOVER_SESSION_VERSION=go1.21.13` — set by `gover shell`;
/// - `GOVER_AUTO_VERSION=go1.21.13` and `GOVER_AUTO_PIN=<file>:<line>` — set by the hook.
public struct ShellSession: Sendable {
    public enum Chooser: Sendable, Equatable {
        case session
        case directoryPin(String)
        case current
    }

    public var store: Store
    public var environment: [String: String]

    public init(store: Store, environment: [String: String]) {
        self.store = store
        self.environment = environment
    }

    public static let sessionVariable = "GOVER_SESSION_VERSION"
    public static let autoVariable = "GOVER_AUTO_VERSION"
    public static let autoPinVariable = "GOVER_AUTO_PIN"

    public var path: String { environment["PATH"] ?? "" }

    /// `<store>/go1.X.Y/bin` for any Go version name (installed or not: a stale one from an
    /// uninstalled version must be removable too).
    func isVersionBin(_ entry: Substring) -> Bool {
        let prefix = store.root + "/"
        guard entry.hasPrefix(prefix), entry.hasSuffix("/bin") else { return false }
        let name = entry.dropFirst(prefix.count).dropLast(4)
        guard !name.contains("/"), let version = GoVersion(String(name)) else { return false }
        return version.name == name
    }

    /// PATH without any version's bin that a session or a pin put there.
    public func pathWithoutVersionBins() -> String {
        path.split(separator: ":", omittingEmptySubsequences: false).filter { !isVersionBin($0) }.joined(separator: ":")
    }

    /// PATH with `version`'s bin first (and no other version's bin).
    public func path(selecting version: GoVersion) -> String {
        let rest = pathWithoutVersionBins()
        return store.path(of: version) + "/bin" + (rest.isEmpty ? "" : ":" + rest)
    }

    /// The version this shell runs and what chose it, as its PATH says: the first version
    /// bin of the store on PATH, if it comes before `current/bin`, names a session or a pin.
    public func active() -> (version: GoVersion, chooser: Chooser)? {
        let currentBin = store.currentLink + "/bin"
        for entry in path.split(separator: ":") {
            if entry == currentBin { break }
            guard isVersionBin(entry) else { continue }
            let name = String(entry.dropFirst(store.root.count + 1).dropLast(4))
            guard let version = GoVersion(name), store.isInstalled(version) else { continue }
            if environment[Self.sessionVariable] == version.name { return (version, .session) }
            if environment[Self.autoVariable] == version.name {
                return (version, .directoryPin(environment[Self.autoPinVariable] ?? "a pin file"))
            }
            return (version, .session)
        }
        return store.currentVersion().map { ($0, .current) }
    }
}
