/// The shell families gover writes for. `sh` covers every POSIX shell that reads
/// `~/.profile` and `$ENV` (dash, ash, ksh, mksh, posh).
public enum Shell: String, CaseIterable, Sendable {
    case bash
    case zsh
    case fish
    case sh

    /// A shell by its program name or path: `bash`, `/usr/bin/zsh`, `-bash` (a login
    /// shell's argv[0]), `dash`. Nil for anything else.
    public init?(name: String) {
        var base = String(name.split(separator: "/").last ?? "")
        if base.hasPrefix("-") { base.removeFirst() }
        switch base {
        case "bash": self = .bash
        case "zsh": self = .zsh
        case "fish": self = .fish
        case "sh", "dash", "ash", "ksh", "ksh93", "mksh", "pdksh", "posh", "yash": self = .sh
        default: return nil
        }
    }

    /// The shell gover was started from: its parent process when that is a shell (what
    /// `eval "$(gover env)"` runs in), else `$SHELL` (the user's login shell).
    public static func detect(environment: [String: String], parentName: String? = parentProcessName()) throws -> Shell {
        if let parentName, let shell = Shell(name: parentName) { return shell }
        if let login = environment["SHELL"], !login.isEmpty {
            guard let shell = Shell(name: login) else { throw GoverError.unknownShell(login) }
            return shell
        }
        throw GoverError.unknownShell(parentName ?? "(SHELL is not set)")
    }

    /// What to type to apply `gover env` in this shell now.
    public var evalCommand: String {
        self == .fish ? "gover env | source" : "eval \"$(gover env)\""
    }

    /// The parent's program name from `/proc` (Linux); nil where there is no `/proc`.
    public static func parentProcessName() -> String? {
        guard let bytes = FileSystem.readFile("/proc/\(getppid())/comm") else { return nil }
        let name = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        return name.isEmpty ? nil : name
    }
}
