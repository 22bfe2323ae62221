import GoverCore

/// The commands shell prompts and scripts run most — `gover current`, `gover which
/// [go|gofmt]`, `gover env [--shell S]` and `gover use <selector>`, without other options — done without argument-parser: building its command tree
/// (every subcommand's options, by reflection) costs more than the commands themselves.
/// They do exactly what `Current.run`, `Which.run`, `Env.run` and `Use.run` do with default options, so output,
/// errors and exit statuses are the same; anything else (options, `--help`, other words)
/// takes the full parser. Returns only when it did not handle the command line.
enum FastPath {
    static func run(_ arguments: ArraySlice<String>) {
        if arguments.first == "env" {
            // `env`, `env --shell S`, `env --shell=S` with S one of Shell's raw values.
            let rest = Array(arguments.dropFirst())
            if rest.isEmpty { env(shell: nil) }
            if rest.count == 2, rest[0] == "--shell", let shell = Shell(rawValue: rest[1]) { env(shell: shell) }
            if rest.count == 1, rest[0].hasPrefix("--shell="),
               let shell = Shell(rawValue: String(rest[0].dropFirst("--shell=".count))) { env(shell: shell) }
            return
        }
        if arguments.count == 2, arguments.first == "use", let selector = arguments.last,
           !selector.hasPrefix("-"), (try? VersionSelector(parsing: selector)) != nil {
            use(selector)
            return
        }
        let tool: String?
        switch arguments.count {
        case 1 where arguments.first == "current": tool = nil
        case 1 where arguments.first == "which": tool = "go"
        case 2 where arguments.first == "which" && (arguments.last == "go" || arguments.last == "gofmt"):
            tool = arguments.last
        default: return
        }
        do {
            let context = try checked(GoverContext.fromEnvironment(currentEnvironment(), mirror: nil, offline: false,
                                                                   quiet: false, os: nil, arch: nil))
            let version = try activeInThisShell(context.store).version
            if let tool {
                writeAll(context.store.goBinary(of: version, tool: tool) + "\n", to: 1)
            } else {
                writeAll(version.name + "\n", to: 1)
            }
            exit(0)
        } catch let error as GoverError {
            Entry.fail(error)
        } catch {
            // Nothing was written: let the full path run and report it its own way.
            return
        }
    }

    /// `Use.run` with a valid selector and no option: an installed version or `notInstalled`
    /// (installing needs `--install`, which takes the parser).
    private static func use(_ selector: String) {
        do {
            let context = try checked(GoverContext.fromEnvironment(currentEnvironment(), mirror: nil, offline: false,
                                                                   quiet: false, os: nil, arch: nil))
            let installed = context.store.installedVersions()
            guard let version = try parseSelector(selector).resolve(in: installed) else {
                throw GoverError.notInstalled(selector: selector, installed: installed.map(\.number))
            }
            try switchCurrent(to: version, context: context)
            exit(0)
        } catch let error as GoverError {
            Entry.fail(error)
        } catch {
            return
        }
    }

    /// `Env.run` without options: the shell first, then the context, as there.
    private static func env(shell chosen: Shell?) {
        do {
            let environment = currentEnvironment()
            let shell = try chosen ?? Shell.detect(environment: environment)
            let context = try GoverContext.fromEnvironment(currentEnvironment(), mirror: nil, offline: false,
                                                           quiet: false, os: nil, arch: nil)
            let script = EnvScript(storeRoot: context.store.root, environment: environment)
            writeAll(script.render(for: shell), to: 1)
            exit(0)
        } catch let error as GoverError {
            Entry.fail(error)
        } catch {
            return
        }
    }
}
