import ArgumentParser
import GoverCore

struct Env: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env",
        abstract: "Print the shell code that puts the current Go first on PATH.",
        discussion: """
        Evaluate it in a shell, a CI step or a script: gover's `current/bin`, then \
        ${GOPATH:-$HOME/go}/bin, go first on PATH, once (evaluating it again changes nothing). \
        GOROOT is not exported but unset: go finds its root from its own path, and a GOROOT \
        naming another tree breaks it. The code runs only shell built-ins.

        Examples:
          $ eval "$(gover env)"                     # bash, zsh, sh
          $ gover env --shell fish | source         # fish
          $ gover env --shell bash > ~/.gover.bash  # for BASH_ENV
          $ GOVER_ROOT=/usr/local/goversions gover env --docker   # ENV lines for a Dockerfile
        """
    )

    @Option(help: ArgumentHelp("bash, zsh, fish or sh (default: the shell gover runs from, else $SHELL).", valueName: "shell"))
    var shell: Shell?

    @Flag(help: "Also the per-directory hook (bash, zsh, fish): the project's pin decides this shell's Go after each cd.")
    var auto = false

    @Flag(help: "Print Dockerfile ENV lines instead (GOVER_ROOT and PATH; GOPATH from --gopath).")
    var docker = false

    @Option(help: ArgumentHelp("With --docker: the image's GOPATH (default /root/go).", valueName: "path"))
    var gopath = "/root/go"

    @OptionGroup var options: GlobalOptions

    func validate() throws {
        if docker && shell != nil { throw ValidationError("--docker prints Dockerfile lines; it takes no --shell") }
    }

    func run() throws {
        let environment = currentEnvironment()
        if docker {
            let script = EnvScript(storeRoot: options.context().store.root, home: "", exportRoot: true)
            writeAll(script.dockerfile(gopath: gopath), to: 1)
            return
        }
        let shell = try self.shell ?? Shell.detect(environment: environment)
        var script = EnvScript(storeRoot: options.context().store.root, environment: environment)
        script.auto = auto
        writeAll(script.render(for: shell), to: 1)
    }
}

extension Shell: ExpressibleByArgument {}
