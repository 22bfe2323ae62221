/// The shell code that makes gover's `go` the one a shell finds: `<store>/current/bin`
/// first on PATH, then `<store>/bin` (the `go1.X.Y` links Go's own toolchain switching looks
/// for), then `${GOPATH:-$HOME/go}/bin` (what `go install` builds), each exactly once, and
/// no exported GOROOT.
///
/// The same code is printed by `gover env` and written inside the `gover init` block. It
/// runs only shell built-ins (no gover process, no subprocess at shell start-up) and is
/// idempotent: when PATH already starts with those three directories it does nothing, so
/// evaluating it again, or in a nested shell, does not grow PATH. Otherwise it removes them
/// from wherever they are and puts them in front: a `go` added earlier on PATH by a
/// system file (`/etc/profile`, macOS `path_helper`) loses.
///
/// GOROOT is never exported: `go` finds its root from its own path, and an exported GOROOT
/// pointing at another tree makes it mix tools and standard library (see DECISIONS.md).
public struct EnvScript: Sendable {
    /// The store root, as an absolute path.
    public var storeRoot: String
    /// The user's home directory; a store under it is written as `$HOME/...`, so the block
    /// keeps working in dotfiles shared between machines.
    public var home: String
    /// Set when `GOVER_ROOT` is in the environment: exported too, so `gover` commands in
    /// new shells use the same store.
    public var exportRoot: Bool
    /// `--auto`: also the per-directory hook (bash, zsh, fish).
    public var auto = false

    public init(storeRoot: String, home: String, exportRoot: Bool) {
        // A relative GOVER_ROOT would mean a different store in every directory.
        self.storeRoot = storeRoot.hasPrefix("/") ? storeRoot : currentDirectory() + "/" + storeRoot
        self.home = home
        self.exportRoot = exportRoot
    }

    /// For this user: HOME from `environment`; GOVER_ROOT exported when it is set there.
    public init(storeRoot: String, environment: [String: String]) {
        self.init(storeRoot: storeRoot, home: GoverContext.homeDirectory(environment: environment),
                  exportRoot: !(environment["GOVER_ROOT"] ?? "").isEmpty)
    }

    /// The code for `shell`. It always removes GOROOT: the output may be saved and read
    /// later (`BASH_ENV`), in an environment where something else set GOROOT.
    public func render(for shell: Shell) -> String {
        var code = shell == .fish ? fish() : posix()
        code += AutoSwitch.function(for: shell)
        if auto, let hook = AutoSwitch.hook(for: shell) { code += hook }
        return code
    }

    /// Dockerfile `ENV` lines: the store, and PATH with `current/bin` and the Go bin
    /// directory first. Docker expands `$PATH` in ENV; `gopath` is the image's GOPATH
    /// (root's `/root/go` unless the image sets another).
    public func dockerfile(gopath: String) -> String {
        "ENV GOVER_ROOT=\(storeRoot)\nENV PATH=\(storeRoot)/current/bin:\(storeRoot)/bin:\(gopath)/bin:$PATH\n"
    }

    /// `"$HOME/.local/goversions"` or `"/opt/go versions"`, quoted for a double-quoted context
    /// in sh and fish alike (both expand `$HOME` there).
    func quoted(_ path: String) -> String {
        var relative = path
        var prefix = ""
        if !home.isEmpty && home != "/" && (path == home || path.hasPrefix(home + "/")) {
            relative = String(path.dropFirst(home.count))
            prefix = "$HOME"
        }
        var escaped = ""
        for character in relative {
            if character == "\\" || character == "\"" || character == "$" || character == "`" { escaped.append("\\") }
            escaped.append(character)
        }
        return "\"" + prefix + escaped + "\""
    }

    private func posix() -> String {
        var lines: [String] = []
        if exportRoot { lines.append("export GOVER_ROOT=\(quoted(storeRoot))") }
        lines += [
            "_gover_c=\(quoted(storeRoot + "/current/bin"))",
            "_gover_v=\(quoted(storeRoot + "/bin"))",
            "_gover_g=\"${GOPATH:-$HOME/go}\"; _gover_g=\"${_gover_g%%:*}/bin\"",
            "case \":$PATH:\" in",
            "    \":$_gover_c:$_gover_v:$_gover_g:\"*) ;;",
            "    *) _gover_r=\"$PATH:\"; _gover_p=",
            "       while [ -n \"$_gover_r\" ]; do",
            "           _gover_d=\"${_gover_r%%:*}\"; _gover_r=\"${_gover_r#*:}\"",
            "           case \"$_gover_d\" in \"$_gover_c\"|\"$_gover_v\"|\"$_gover_g\") ;; *) _gover_p=\"$_gover_p${_gover_p:+:}$_gover_d\" ;; esac",
            "       done",
            "       PATH=\"$_gover_c:$_gover_v:$_gover_g${_gover_p:+:}$_gover_p\"; export PATH ;;",
            "esac",
            "unset _gover_c _gover_v _gover_g _gover_r _gover_p _gover_d GOROOT",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private func fish() -> String {
        var lines: [String] = []
        if exportRoot { lines.append("set -gx GOVER_ROOT \(quoted(storeRoot))") }
        lines += [
            "set -l _gover_c \(quoted(storeRoot + "/current/bin"))",
            "set -l _gover_v \(quoted(storeRoot + "/bin"))",
            "set -l _gover_g \"$HOME/go/bin\"",
            "set -q GOPATH[1]; and test -n \"$GOPATH[1]\"; and set _gover_g \"$GOPATH[1]/bin\"",
            "if test \"$PATH[1]\" != \"$_gover_c\"; or test \"$PATH[2]\" != \"$_gover_v\"; or test \"$PATH[3]\" != \"$_gover_g\"",
            "    set -l _gover_p",
            "    for _gover_d in $PATH",
            "        contains -- $_gover_d $_gover_c $_gover_v $_gover_g; or set -a _gover_p $_gover_d",
            "    end",
            "    set -gx PATH $_gover_c $_gover_v $_gover_g $_gover_p",
            "end",
            "set -q GOROOT; and set -e GOROOT",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
