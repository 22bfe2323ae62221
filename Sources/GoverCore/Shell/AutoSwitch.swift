/// The per-directory switch (`gover init --auto`) and `gover shell`, as shell code.
///
/// The hook runs at every prompt (bash `PROMPT_COMMAND`) or on every directory change (zsh
/// `chpwd`, fish `--on-variable PWD`). With shell built-ins only, it returns at once when the
/// directory did not change, then walks up to the nearest pin file and reads it; when that
/// file and its contents are the ones it saw last, it stops there (moving between
/// directories of one project spawns nothing). Only a different pin, or an edited one, runs
/// one `gover hook` process, whose output (PATH and two variables) the shell evaluates. A
/// shell without the gover program on PATH skips the call (`type -P`, `whence -p`, `command
/// -s`: built-ins that, unlike `command -v`, do not count the `gover` function): no error at
/// every prompt.
///
/// The `gover` shell function exists so that `gover shell 1.21` can change this shell: a
/// program cannot change its parent's environment, so the function evaluates what
/// `gover shell` prints (as rbenv, pyenv and mise do). Everything else goes straight to the
/// gover program.
public enum AutoSwitch {
    /// Set by the shell function when it calls `gover shell`: the code it prints is evaluated.
    public static let evalVariable = "GOVER_SHELL_EVAL"

    /// The `gover` function, for every shell's env code and init block.
    public static func function(for shell: Shell) -> String {
        switch shell {
        case .fish:
            return """
            function gover --description 'gover (gover shell changes this shell)'
                if test (count $argv) -ge 1; and test "$argv[1]" = shell
                    set -l _gover_out (GOVER_SHELL_EVAL=fish command gover $argv); or return $status
                    printf '%s\n' $_gover_out | source
                else
                    command gover $argv
                end
            end

            """
        default:
            return """
            gover() {
                if [ "${1-}" = shell ]; then
                    _gover_out="$(GOVER_SHELL_EVAL=\(shell.rawValue) command gover "$@")" || { _gover_s=$?; unset _gover_out; return $_gover_s; }
                    eval "$_gover_out"; unset _gover_out
                else
                    command gover "$@"
                fi
            }

            """
        }
    }

    /// The directory hook; nil for `sh` (POSIX shells have no prompt or directory hook).
    public static func hook(for shell: Shell) -> String? {
        switch shell {
        case .bash, .zsh:
            let readLoop = shell == .bash
                ? """
                  while [ $_gover_k -lt 200 ] && { IFS= read -r -n 512 _gover_l || [ -n "$_gover_l" ]; }; do _gover_c="$_gover_c$_gover_l;"; _gover_k=$((_gover_k + 1)); done < "$_gover_f"
                  """
                : """
                  { while [ $_gover_k -lt 200 ] && { read -r -u 9 -k 512 _gover_l || [ -n "$_gover_l" ]; }; do _gover_c="$_gover_c$_gover_l;"; _gover_k=$((_gover_k + 1)); _gover_l=; done } 9< "$_gover_f"
                  """
            let registration = shell == .bash
                ? """
                  case ";${PROMPT_COMMAND-};" in *";_gover_hook;"*) ;; *) PROMPT_COMMAND="_gover_hook${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;; esac
                  """
                : """
                  autoload -Uz add-zsh-hook && add-zsh-hook chpwd _gover_hook
                  _gover_hook
                  """
            return """
            _gover_hook() {
                [ "$PWD" = "${_GOVER_PWD-}" ] && return 0
                _GOVER_PWD=$PWD
                local _gover_d=$PWD _gover_f= _gover_k= _gover_c= _gover_l=
                while :; do
                    for _gover_k in .go-version go.work go.mod .tool-versions; do
                        if [ -f "$_gover_d/$_gover_k" ]; then _gover_f=$_gover_d/$_gover_k; break 2; fi
                    done
                    [ -z "$_gover_d" ] && break
                    _gover_d=${_gover_d%/*}
                done
                if [ -n "$_gover_f" ] && [ -r "$_gover_f" ]; then
                    # At most 200 reads of 512 characters: a prompt must not read a huge file.
                    _gover_k=0
                    \(readLoop)
                fi
                [ "$_gover_f:$_gover_c" = "${_GOVER_KEY-}" ] && return 0
                _GOVER_KEY="$_gover_f:$_gover_c"
                \(shell == .bash ? "type -P" : "whence -p") gover >/dev/null 2>&1 || return 0
                _gover_c="$(command gover hook --shell \(shell.rawValue))" && eval "$_gover_c"
                return 0
            }
            \(registration)

            """
        case .fish:
            return """
            function _gover_hook --on-variable PWD
                set -l _gover_d $PWD
                set -l _gover_f
                while true
                    for _gover_k in .go-version go.work go.mod .tool-versions
                        if test -f "$_gover_d/$_gover_k"
                            set _gover_f "$_gover_d/$_gover_k"
                            break
                        end
                    end
                    test -n "$_gover_f"; and break
                    test -z "$_gover_d"; or test "$_gover_d" = /; and break
                    set _gover_d (string replace -r '/[^/]*$' '' -- $_gover_d)
                end
                set -l _gover_c
                # At most 64 KiB: a prompt must not read a huge file to its end.
                test -n "$_gover_f"; and test -r "$_gover_f"; and read -z -n 65536 _gover_c < $_gover_f
                set -q _GOVER_KEY; and test "$_gover_f:$_gover_c" = "$_GOVER_KEY"; and return 0
                set -g _GOVER_KEY "$_gover_f:$_gover_c"
                command -sq gover; or return 0
                command gover hook --shell fish | source
            end
            _gover_hook

            """
        case .sh:
            return nil
        }
    }

    /// What the hook or `gover shell --unset` should make of this shell's PATH.
    public enum Decision: Sendable, Equatable {
        /// Put this version's bin first (a pin asks for it).
        case select(GoVersion, pin: String)
        /// No version bin in front: `current` decides (no pin, or `current` satisfies it).
        case restore
        /// The pin asks for a version that is not installed: say so once, keep `current`.
        case missing(pin: String, requirement: String)
    }

    /// The hook's rule: the nearest pin, resolved against installed versions only (no
    /// network, ever, at a prompt). A `go` line is a minimum: a `current` that satisfies it
    /// changes nothing.
    public static func decide(store: Store, workingDirectory: String) throws -> Decision {
        guard let pin = try ProjectPin.discover(from: workingDirectory) else { return .restore }
        let installed = store.installedVersions()
        let location = "\(pin.path):\(pin.line)"
        if case .atLeast = pin.requirement, let current = store.currentVersion(), pin.requirement.isSatisfied(by: current) {
            return .restore
        }
        guard let version = pin.requirement.newest(in: installed) else {
            return .missing(pin: location, requirement: pin.requirement.description)
        }
        if version == store.currentVersion() { return .restore }
        return .select(version, pin: location)
    }
}

/// Assignments in a shell's own syntax, quoted so that no value is ever interpreted.
public enum ShellCode {
    public static func export(_ name: String, _ value: String, for shell: Shell) -> String {
        if shell == .fish {
            if name == "PATH" {
                let items = value.split(separator: ":", omittingEmptySubsequences: false).map { fishQuoted(String($0)) }
                return "set -gx PATH " + items.joined(separator: " ") + "\n"
            }
            return "set -gx \(name) \(fishQuoted(value))\n"
        }
        return "export \(name)=\(shellQuoted(value))\n"
    }

    public static func unset(_ name: String, for shell: Shell) -> String {
        shell == .fish ? "set -e \(name)\n" : "unset \(name)\n"
    }

    static func fishQuoted(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            if character == "'" || character == "\\" { quoted += "\\" }
            quoted.append(character)
        }
        return quoted + "'"
    }
}
