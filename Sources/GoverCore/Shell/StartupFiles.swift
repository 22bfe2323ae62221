/// Which start-up files a shell reads, in which modes: where `gover init` puts its block and
/// where `gover doctor` looks for it.
///
/// - bash: login shells read the first of `~/.bash_profile`, `~/.bash_login`, `~/.profile`;
///   interactive non-login shells read `~/.bashrc`; `bash -c` and scripts read only
///   `$BASH_ENV`. The login file is the one bash actually reads; `~/.profile` is created
///   only when none of the three exists (creating `~/.bash_profile` would silently stop
///   `~/.profile` from being read).
/// - zsh: `$ZDOTDIR` (default `$HOME`) `.zshenv` is read by every zsh, `zsh -c` included;
///   `.zshrc` by interactive ones, after `/etc/zprofile` (macOS `path_helper`, which moves
///   system paths such as `/usr/local/go/bin` in front of anything `.zshenv` set). On macOS
///   `.zprofile` too, for login shells that are not interactive.
/// - fish: `$XDG_CONFIG_HOME/fish/conf.d/gover.fish` (default `~/.config`), read by every fish.
/// - sh (dash, ksh, ...): `~/.profile` for login shells; interactive ones read `$ENV`, when
///   it is set, so that file too.
public struct StartupFile: Sendable, Equatable {
    /// The path the shell opens (it may be a symlink into a dotfiles repository).
    public var path: String
    /// When the shell reads it: "login", "interactive", "every zsh", ...
    public var readBy: String
    /// The whole file belongs to gover (fish's conf.d snippet): removed when its block is.
    public var ownedByGover: Bool

    public init(path: String, readBy: String, ownedByGover: Bool = false) {
        self.path = path
        self.readBy = readBy
        self.ownedByGover = ownedByGover
    }
}

public enum StartupFiles {
    /// The files `shell` reads in login and in interactive mode, for this user.
    public static func targets(for shell: Shell, home: String, environment: [String: String], os: String) -> [StartupFile] {
        switch shell {
        case .bash:
            let candidates = [".bash_profile", ".bash_login", ".profile"].map { home + "/" + $0 }
            let login = candidates.first(where: { access($0, R_OK) == 0 }) ?? home + "/.profile"
            return [
                StartupFile(path: login, readBy: "login bash"),
                StartupFile(path: home + "/.bashrc", readBy: "interactive bash"),
            ]
        case .zsh:
            let directory = zshDirectory(home: home, environment: environment)
            var files = [StartupFile(path: directory + "/.zshenv", readBy: "every zsh, zsh -c included")]
            if os == "darwin" {
                files.append(StartupFile(path: directory + "/.zprofile", readBy: "login zsh, after path_helper"))
            }
            files.append(StartupFile(path: directory + "/.zshrc", readBy: "interactive zsh, after /etc/zprofile"))
            return files
        case .fish:
            return [StartupFile(path: configHome(home: home, environment: environment) + "/fish/conf.d/gover.fish",
                                readBy: "every fish", ownedByGover: true)]
        case .sh:
            var files = [StartupFile(path: home + "/.profile", readBy: "login sh")]
            if let env = nonEmpty(environment["ENV"]), env.hasPrefix("/"), env != home + "/.profile" {
                files.append(StartupFile(path: env, readBy: "interactive sh ($ENV)"))
            }
            return files
        }
    }

    /// What `gover init` tells the user about the modes its blocks cannot reach.
    public static func nonInteractiveAdvice(for shell: Shell, storeRoot: String, home: String) -> [String] {
        let common = [
            "CI steps and scripts started without a login shell: `eval \"$(gover env)\"` first, or put",
            "  \(storeRoot)/current/bin on PATH in the job's environment.",
            "Docker images (RUN and docker exec read no start-up file):",
            "  ENV PATH=\"\(storeRoot)/current/bin:\(home)/go/bin:$PATH\"",
        ]
        switch shell {
        case .bash:
            return [
                "Non-interactive bash (`bash -c`, scripts; also `ssh host cmd`, which Debian's ~/.bashrc",
                "  leaves early) reads only the file named by $BASH_ENV:",
                "  gover env --shell bash > ~/.gover.bash; export BASH_ENV=~/.gover.bash",
            ] + common
        case .zsh:
            return ["zsh -c and zsh scripts read .zshenv: covered."] + common
        case .fish:
            return ["fish -c and fish scripts read conf.d: covered."] + common
        case .sh:
            return [
                "Interactive sh/dash reads $ENV, not ~/.profile: export ENV=\"$HOME/.profile\" (in ~/.profile).",
                "Non-interactive sh (`sh -c`, scripts) reads no file; it inherits PATH from its parent.",
            ] + common
        }
    }

    /// Where zsh looks for its user files: `$ZDOTDIR`, else HOME.
    static func zshDirectory(home: String, environment: [String: String]) -> String {
        nonEmpty(environment["ZDOTDIR"]) ?? home
    }

    /// `$XDG_CONFIG_HOME`, else `~/.config` (fish's and the go command's config root on Linux).
    static func configHome(home: String, environment: [String: String]) -> String {
        nonEmpty(environment["XDG_CONFIG_HOME"]) ?? home + "/.config"
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
