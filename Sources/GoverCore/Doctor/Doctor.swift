/// `gover doctor`: checks that `go` is gover's current version in this environment, and
/// says, for everything that is not, which file, which line or which command fixes it.
///
/// Read-only: it takes no lock, changes nothing, downloads nothing (the go it runs gets
/// `GOTOOLCHAIN=local`, so it cannot switch toolchains). The only network access, skipped
/// with `--offline`: one HEAD request to GOPROXY's first entry, and the checksum
/// database's way in (`<proxy>/sumdb/<name>/supported`, then its signed `/latest`).
public struct Doctor {
    public var store: Store
    public var environment: [String: String]
    public var workingDirectory: String
    public var home: String
    /// The user's shell, for the start-up file check; nil when it cannot be told.
    public var shell: Shell?
    /// GOOS of this machine (where Go keeps its env file, which start-up files zsh reads).
    public var os: String
    public var offline: Bool
    public var http: HTTPClient
    /// How long one `go version` may take (a cold start of a real toolchain takes ~100 ms).
    public var goTimeout: Double = 4
    /// How long all of doctor's `go version` runs may take together: a store full of hung
    /// toolchains still gives an answer in bounded time.
    public var subprocessBudget: Double = 8

    public init(store: Store, environment: [String: String], workingDirectory: String, home: String,
                shell: Shell?, os: String, offline: Bool, http: HTTPClient) {
        self.store = store
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.home = home
        self.shell = shell
        self.os = os
        self.offline = offline
        self.http = http
    }

    /// An HTTP client for the GOPROXY probe: a few seconds at most.
    public static func probeClient(environment: [String: String]) -> HTTPClient {
        var settings = HTTPClient.Settings()
        settings.caBundle = environment["GOVER_CA_BUNDLE"] ?? environment["SSL_CERT_FILE"]
        settings.connectTimeoutSeconds = 3
        settings.timeoutSeconds = 5
        return HTTPClient(settings: settings)
    }

    public func run() -> DoctorReport {
        let budgetEnd = monotonicSeconds() + subprocessBudget
        let deadline = { min(monotonicSeconds() + goTimeout, budgetEnd) }
        let current = store.currentVersion()
        let gos = PathOrigins.goExecutables(path: environment["PATH"] ?? "", workingDirectory: workingDirectory)
        let toolchain = goSetting("GOTOOLCHAIN")
        return DoctorReport(checks: [
            currentCheck(current),
            versionsCheck(deadline: deadline),
            stagingCheck(),
            safetyCheck(),
            commandsCheck(),
            pathCheck(gos, current: current),
            commandsPathCheck(),
            goVersionCheck(gos.first, current: current, deadline: deadline),
            gorootCheck(current),
            gopathBinCheck(),
            gotoolchainCheck(toolchain, current: current),
            pinCheck(current),
            toolchainSwitchCheck(current, toolchain: toolchain),
            proxyCheck(),
            checksumDatabaseCheck(),
            startupFilesCheck(),
        ])
    }

    // MARK: The store

    private var currentBin: String { store.currentLink + "/bin" }

    private func currentCheck(_ current: GoVersion?) -> DoctorCheck {
        let installed = store.installedVersions()
        if let current {
            return DoctorCheck("store.current", .ok, "current -> \(current.name) (\(store.path(of: current)))")
        }
        let use = installed.max().map { "gover use \($0.number)" } ?? "gover install latest"
        switch store.currentState() {
        case .outside(let target):
            return DoctorCheck("store.current", .error, "\(store.currentLink) points to \(target), outside the store: that is not a gover version",
                               fix: "rm \(shellQuoted(store.currentLink)) && \(use)")
        case .notSymlink(let kind):
            return DoctorCheck("store.current", .error, "\(store.currentLink) is \(kind), not the symlink gover makes",
                               fix: "move \(shellQuoted(store.currentLink)) away, then \(use)")
        case .notWorking(let target, let problem) where !problem.hasSuffix("does not exist"):
            return DoctorCheck("store.current", .error, "\(store.currentLink) points to \(target), which is not a working install (\(problem))",
                               fix: use)
        default:
            break
        }
        guard let newest = installed.max() else {
            return DoctorCheck("store.current", .error, "no Go version is installed in \(store.root)",
                               fix: "gover install latest")
        }
        if let target = FileSystem.readLink(store.currentLink) {
            return DoctorCheck("store.current", .error, "\(store.currentLink) points to \(target), which is not installed",
                               fix: "gover use \(newest.number)")
        }
        return DoctorCheck("store.current", .error, "no version is active (\(store.currentLink) does not exist)",
                           fix: "gover use \(newest.number)")
    }

    private func versionsCheck(deadline: () -> Double) -> DoctorCheck {
        let installed = store.installedVersions()
        // Directories named like a version that are not working installs (planted, cut
        // short, made for another platform): gover ignores them, the user should know.
        var broken: [(version: GoVersion, problem: String)] = store.versionDirectories().compactMap { version in
            store.installProblem(version).map { (version, "not a working install: \($0)") }
        }
        if installed.isEmpty && broken.isEmpty { return DoctorCheck("store.versions", .ok, "no versions installed") }
        for version in installed {
            let go = store.goBinary(of: version)
            guard FileSystem.isExecutableFile(go) else {
                broken.append((version, "\(go) is missing or not executable"))
                continue
            }
            var env = environment
            env["GOTOOLCHAIN"] = "local"
            env.removeValue(forKey: "GOROOT")
            let result = Subprocess.run(go, ["version"], environment: env, deadline: deadline())
            if result.status != 0 || reportedVersion(result.output) != version {
                broken.append((version, "`\(go) version` \(describe(result))"))
            }
        }
        if broken.isEmpty {
            return DoctorCheck("store.versions", .ok, "\(installed.count) installed, each runs: \(installed.map(\.name).joined(separator: ", "))")
        }
        broken.sort { $0.version < $1.version }
        return DoctorCheck("store.versions", .error,
                           "incomplete versions in \(store.root):\n" + broken.map { "\($0.version.name): \($0.problem)" }.joined(separator: "\n"),
                           fix: broken.map { "gover install --force \($0.version.number)" }.joined(separator: "\n"))
    }

    private func stagingCheck() -> DoctorCheck {
        let staging = store.root + "/.staging"
        if let kind = FileSystem.kind(staging), kind != S_IFDIR {
            return DoctorCheck("store.staging", .error, "\(staging) is \(FileSystem.describeKind(kind)), not a directory: commands that change the store refuse it",
                               fix: "rm \(shellQuoted(staging)) (only the link or file; gover recreates the directory)")
        }
        let leftovers = FileSystem.directoryEntries(staging)
        if leftovers.isEmpty { return DoctorCheck("store.staging", .ok, "no unfinished installs") }
        // An exclusive flock held by a running gover refuses our shared one: that install is in flight.
        // Not through a symlink, and never blocking on a FIFO planted as `.lock`.
        let fd = open(store.root + "/.lock", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        if fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) != 0 {
            return DoctorCheck("store.staging", .ok, "an install is in progress (\(leftovers.count) staging entries)")
        }
        return DoctorCheck("store.staging", .warning,
                           "\(leftovers.count) leftover staging entries in \(staging) (an install was killed); they were never visible as versions",
                           fix: "rm -rf \(shellQuoted(staging))/* (any `gover install` or `gover use` also removes them)")
    }

    /// Ownership, modes and the kinds of the store's own entries (`Store.checkSafe`).
    private func safetyCheck() -> DoctorCheck {
        do {
            try store.checkSafe(environment: environment)
            return DoctorCheck("store.safety", .ok, "\(store.root) and the directories above it are writable only by their owners (root or this user)")
        } catch let error as GoverError {
            return DoctorCheck("store.safety", .error, error.message, fix: "see the message; gover refuses to change this store until then")
        } catch {
            return DoctorCheck("store.safety", .error, "\(error)")
        }
    }

    // MARK: PATH and the go command

    private func pathCheck(_ gos: [String], current: GoVersion?) -> DoctorCheck {
        let currentGo = currentBin + "/go"
        guard let first = gos.first else {
            return DoctorCheck("path.go", .error, "no `go` on PATH (PATH=\(environment["PATH"] ?? ""))",
                               fix: "for this shell: \(evalCommand); for new shells: \(initCommand)")
        }
        let others = gos.dropFirst()
        let shadowed = others.isEmpty ? "" : "; later on PATH, not used: " + others.joined(separator: ", ")
        guard current != nil else {
            return DoctorCheck("path.go", .skipped, "first go on PATH: \(first)\(shadowed) (gover has no active version, see store.current)")
        }
        let directory = FileSystem.parentPath(of: first)
        if let (version, chooser) = ShellSession(store: store, environment: environment).active(), chooser != .current,
           directory == store.path(of: version) + "/bin" {
            let why: String
            switch chooser {
            case .directoryPin(let pin): why = "the directory's pin \(pin) (`gover init --auto`)"
            default: why = "this shell's session (`gover shell`; `gover shell --unset` ends it)"
            }
            return DoctorCheck("path.go", .ok, "the first go on PATH is gover's \(version.name), chosen by \(why); current is \(current.map(\.name) ?? "none") (new shells, IDEs and CI use it)\(shadowed)")
        }
        if first == currentGo || directory == currentBin + "/" {
            return DoctorCheck("path.go", .ok, "the first go on PATH is gover's: \(first)\(shadowed)")
        }
        if let real = try? FileSystem.realPath(directory), real == (try? FileSystem.realPath(currentBin)) {
            return DoctorCheck("path.go", .warning,
                               "the first go on PATH, \(first), is the current version's, but not through \(currentBin): it will not follow `gover use`",
                               fix: "replace \(directory) with \(currentBin) on PATH: \(evalCommand); for new shells: \(initCommand)")
        }
        let goversOwn = gos.contains(currentGo) ? "before gover's \(currentGo)" : "and gover's \(currentBin) is not on PATH"
        let source = directory.hasPrefix(store.root + "/")
            ? "a fixed version from gover's store (it will not follow `gover use`)"
            : PathOrigins.likelySource(of: directory, home: home)
        let files = PathOrigins.candidateFiles(home: home, environment: environment)
        let mentions = PathOrigins.mentions(of: directory, in: files, home: home)
        var message = "\(first) comes first on PATH, \(goversOwn)"
        if let source { message += "; it is probably from \(source)" }
        if gos.count > 1 { message += "; go on PATH, in order: " + gos.joined(separator: ", ") }
        var fix: String
        if mentions.isEmpty {
            fix = "remove \(directory) from PATH where it is set (it is in no start-up file gover knows), then open a new shell"
        } else {
            message += "; \(directory) is put on PATH at \(mentions.joined(separator: ", "))"
            fix = "delete or comment out the line at \(mentions[0]), then open a new shell"
        }
        if !gos.contains(currentGo) { fix += "; \(initCommand) puts \(currentBin) first in new shells" }
        fix += "; for this shell: \(evalCommand)"
        return DoctorCheck("path.go", .error, message, fix: fix)
    }

    private func goVersionCheck(_ first: String?, current: GoVersion?, deadline: () -> Double) -> DoctorCheck {
        guard let first else { return DoctorCheck("go.version", .skipped, "no go on PATH to run") }
        var env = environment
        env["GOTOOLCHAIN"] = "local"  // never let doctor's `go version` download a toolchain
        let result = Subprocess.run(first, ["version"], environment: env, deadline: deadline())
        guard result.status == 0, let reported = reportedVersion(result.output) else {
            return DoctorCheck("go.version", .error, "`\(first) version` \(describe(result))",
                               fix: current.map { "gover install --force \($0.number)" })
        }
        guard let current else {
            return DoctorCheck("go.version", .skipped, "`go version` says \(reported.name); gover has no active version")
        }
        if reported == current {
            return DoctorCheck("go.version", .ok, "`go version` says \(reported.name), the current version")
        }
        if let (version, chooser) = ShellSession(store: store, environment: environment).active(), chooser != .current,
           reported == version {
            return DoctorCheck("go.version", .ok, "`go version` says \(reported.name), this shell's version (see path.go)")
        }
        let isGovers = first == currentBin + "/go"
        return DoctorCheck("go.version", .error, "`go version` says \(reported.name) (\(first)), but gover's current is \(current.name)",
                           fix: isGovers ? "gover install --force \(current.number)" : "make gover's go the first on PATH (see path.go)")
    }

    private func gorootCheck(_ current: GoVersion?) -> DoctorCheck {
        guard var goroot = environment["GOROOT"], !goroot.isEmpty else {
            return DoctorCheck("env.goroot", .ok, "GOROOT is not set: go finds its root from its own path")
        }
        while goroot.count > 1 && goroot.hasSuffix("/") { goroot.removeLast() }
        if goroot == store.currentLink {
            return DoctorCheck("env.goroot", .ok, "GOROOT=\(goroot) follows the current version")
        }
        let where_ = PathOrigins.mentions(of: "GOROOT", in: PathOrigins.candidateFiles(home: home, environment: environment), home: home)
        let remove = where_.isEmpty ? "" : " and delete the GOROOT line at \(where_.joined(separator: ", "))"
        let unset = shell == .fish ? "set -e GOROOT" : "unset GOROOT"
        if let current, (try? FileSystem.realPath(goroot)) == (try? FileSystem.realPath(store.path(of: current))) {
            return DoctorCheck("env.goroot", .warning,
                               "GOROOT=\(goroot) is the current tree now, but will be wrong after the next `gover use`",
                               fix: unset + remove)
        }
        return DoctorCheck("env.goroot", .error,
                           "GOROOT=\(goroot) is not gover's current tree\(current.map { " (\(store.path(of: $0)))" } ?? ""): go would use another Go's standard library and tools",
                           fix: unset + remove)
    }

    private func gopathBinCheck() -> DoctorCheck {
        let directory: String
        let name: String
        if let gobin = environment["GOBIN"], !gobin.isEmpty {
            (directory, name) = (gobin, "GOBIN")
        } else {
            let gopath = environment["GOPATH"].flatMap { $0.split(separator: ":").first.map(String.init) } ?? home + "/go"
            (directory, name) = (gopath + "/bin", "GOPATH/bin")
        }
        let entries = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        if entries.contains(directory) || entries.contains(directory + "/") {
            return DoctorCheck("env.gopath-bin", .ok, "\(name) (\(directory)) is on PATH")
        }
        return DoctorCheck("env.gopath-bin", .warning,
                           "\(name) (\(directory)) is not on PATH: programs installed with `go install` are not found",
                           fix: "for this shell: \(evalCommand); for new shells: \(initCommand)")
    }

    // MARK: What makes go run another version by itself

    private func gotoolchainCheck(_ setting: (value: String, source: String)?, current: GoVersion?) -> DoctorCheck {
        guard let (value, source) = setting else {
            return DoctorCheck("env.gotoolchain", .ok, "GOTOOLCHAIN is not set (auto): go runs itself unless a go.mod asks for a newer Go")
        }
        let mode = value.split(separator: "+").first.map(String.init) ?? value
        if ["auto", "local", "path"].contains(mode) {
            return DoctorCheck("env.gotoolchain", .ok, "GOTOOLCHAIN=\(value) (from \(source))")
        }
        let unset = source == "the environment"
            ? (shell == .fish ? "set -e GOTOOLCHAIN" : "unset GOTOOLCHAIN") + " (and remove it where it is exported)"
            : "go env -u GOTOOLCHAIN (it is set in \(source))"
        guard mode.hasPrefix("go"), let version = GoVersion(mode) else {
            return DoctorCheck("env.gotoolchain", .warning, "GOTOOLCHAIN=\(value) (from \(source)) is not a setting go understands", fix: unset)
        }
        if version == current {
            return DoctorCheck("env.gotoolchain", .ok, "GOTOOLCHAIN=\(value) (from \(source)) names the current version")
        }
        return DoctorCheck("env.gotoolchain", .warning,
                           "GOTOOLCHAIN=\(value) (from \(source)) makes every go command run \(version.name) (downloading it if needed) instead of gover's current \(current?.name ?? "version")",
                           fix: unset)
    }

    private func pinCheck(_ current: GoVersion?) -> DoctorCheck {
        let pin: ProjectPin?
        do {
            pin = try ProjectPin.discover(from: workingDirectory)
        } catch let error as GoverError {
            return DoctorCheck("project.pin", .warning, error.message)
        } catch {
            return DoctorCheck("project.pin", .warning, "\(error)")
        }
        guard let pin else {
            return DoctorCheck("project.pin", .ok, "no .go-version, go.work, go.mod or .tool-versions in \(workingDirectory) or above")
        }
        guard let current else {
            return DoctorCheck("project.pin", .warning, "\(pin.path):\(pin.line) asks for \(pin.requirement); no version is active",
                               fix: "gover install --use (reads \(pin.path))")
        }
        if pin.requirement.isSatisfied(by: current) {
            return DoctorCheck("project.pin", .ok, "\(pin.path):\(pin.line) asks for \(pin.requirement); current \(current.name) satisfies it")
        }
        return DoctorCheck("project.pin", .warning, "\(pin.path):\(pin.line) asks for \(pin.requirement), but current is \(current.name)",
                           fix: "gover use (it reads \(pin.path); `gover install --use` when no installed version satisfies it)")
    }

    private func toolchainSwitchCheck(_ current: GoVersion?, toolchain: (value: String, source: String)?) -> DoctorCheck {
        let module: ProjectPin?
        do {
            module = try ProjectPin.discover(from: workingDirectory, kinds: [.goWork, .goMod])
        } catch {
            return DoctorCheck("project.toolchain", .skipped, "cannot read the go.work/go.mod here (see project.pin)")
        }
        guard let module, let needed = module.minimumVersion else {
            return DoctorCheck("project.toolchain", .ok, "no go.work or go.mod asks for a Go version here")
        }
        guard let current else { return DoctorCheck("project.toolchain", .skipped, "no active version") }
        if needed <= current {
            return DoctorCheck("project.toolchain", .ok, "\(module.path) needs Go >= \(needed.number); current \(current.name) builds it itself")
        }
        if let served = servedLocallyCheck(module: module, needed: needed, current: current) { return served }
        if toolchain?.value == "local" || toolchain?.value.hasPrefix("local+") == true {
            return DoctorCheck("project.toolchain", .error,
                               "\(module.path):\(module.line) needs Go >= \(needed.number), current is \(current.name) and GOTOOLCHAIN=local: go commands fail here",
                               fix: "gover install \(needed.number) --use")
        }
        return DoctorCheck("project.toolchain", .warning,
                           "\(module.path):\(module.line) needs Go >= \(needed.number), which gover does not have: in this directory the go command downloads and runs it (or fails without network) instead of gover's \(current.name)",
                           fix: "gover install \(needed.number) (Go's own switching then runs it from \(store.commandsDirectory))")
    }

    // MARK: Network and start-up files

    private func proxyCheck() -> DoctorCheck {
        let value = goSetting("GOPROXY")?.value ?? "https://proxy.golang.org,direct"
        let probe = value.split(whereSeparator: { $0 == "," || $0 == "|" }).first.map { String($0).trimmingWhitespace() } ?? ""
        // Shown in CI logs and --json: never the credentials of `https://user:token@proxy`.
        let first = Self.redactingCredentials(probe)
        if first.isEmpty || first == "off" || first == "direct" {
            return DoctorCheck("net.goproxy", .skipped, "GOPROXY=\(value): no proxy to probe")
        }
        if offline { return DoctorCheck("net.goproxy", .skipped, "GOPROXY \(first) not probed (--offline)") }
        if probe.hasPrefix("file://") {
            let path = String(probe.dropFirst("file://".count))
            return FileSystem.isDirectory(path)
                ? DoctorCheck("net.goproxy", .ok, "GOPROXY \(first) is a directory")
                : DoctorCheck("net.goproxy", .warning, "GOPROXY \(first) does not exist", fix: "create it, or set GOPROXY=https://proxy.golang.org,direct")
        }
        let fix = "check the network and HTTPS_PROXY, or choose a reachable proxy: go env -w GOPROXY=https://proxy.golang.org,direct"
        do {
            let response = try http.head(probe)
            return DoctorCheck("net.goproxy", .ok, "GOPROXY \(first) answers (HTTP \(response.status))")
        } catch let error as TransferError {
            // Any HTTP answer (a proxy may refuse HEAD on its root) proves it is reachable.
            if case .status(let status, _) = error.kind, status < 500 {
                return DoctorCheck("net.goproxy", .ok, "GOPROXY \(first) answers (HTTP \(status))")
            }
            if case .connection(_, let reason) = error.kind {
                return DoctorCheck("net.goproxy", .warning, "GOPROXY \(first) is unreachable: \(reason)", fix: fix)
            }
            return DoctorCheck("net.goproxy", .warning, "GOPROXY \(first) is unreachable: \(error.goverError.message)", fix: fix)
        } catch let error as GoverError {
            return DoctorCheck("net.goproxy", .warning, "GOPROXY \(first) is unreachable: \(error.message)", fix: fix)
        } catch {
            return DoctorCheck("net.goproxy", .warning, "GOPROXY \(first) is unreachable: \(error)", fix: fix)
        }
    }

    /// Would toolchain downloads work — gover's from a module proxy or with --verify-sumdb,
    /// and the go command's own `GOTOOLCHAIN` switching? Both need the checksum database:
    /// GOSUMDB must parse and not be off, GOPROXY must not be off, a proxy asked for
    /// `/sumdb/<name>/supported` must answer 200, 404 or 410 (anything else makes the go
    /// command give up on the database), and the database's signed tree head must verify
    /// with the configured key.
    private func checksumDatabaseCheck() -> DoctorCheck {
        let id = "net.sumdb"
        let sumdb = goSetting("GOSUMDB")
        let proxy = goSetting("GOPROXY")
        let setting: ChecksumDatabaseSetting
        do {
            guard let parsed = try ChecksumDatabaseSetting.parse(sumdb?.value) else {
                return DoctorCheck(id, .warning, "GOSUMDB=off (from \(sumdb?.source ?? "the environment")): toolchain downloads fail — the go command's switching to a newer Go, `GOVER_MIRROR=goproxy` and `--verify-sumdb` all need the checksum database",
                                   fix: sumdb?.source == "the environment" ? "unset GOSUMDB" : "go env -u GOSUMDB")
            }
            setting = parsed
        } catch let error as GoverError {
            return DoctorCheck(id, .error, "\(error.message) (GOSUMDB from \(sumdb?.source ?? "the environment"))", fix: "go env -w GOSUMDB=sum.golang.org (or sum.golang.google.cn)")
        } catch {
            return DoctorCheck(id, .error, "GOSUMDB cannot be read: \(error)")
        }
        let proxies: ModuleProxyList
        do {
            proxies = try ModuleProxyList(parsing: proxy?.value)
        } catch {
            return DoctorCheck(id, .error, "\(error) (GOPROXY from \(proxy?.source ?? "the environment"))", fix: "go env -w GOPROXY=\(ModuleProxyList.defaultValue)")
        }
        if proxies.entries.first == .off {
            return DoctorCheck(id, .warning, "GOPROXY=off: no toolchain can be downloaded as a module (the go command's switching, `GOVER_MIRROR=goproxy`)",
                               fix: "go env -w GOPROXY=\(ModuleProxyList.defaultValue)")
        }
        if offline { return DoctorCheck(id, .skipped, "checksum database \(setting.name) not probed (--offline)") }
        let route: (base: String, relay: String?)
        do {
            route = try setting.route(through: proxies) { _ = try http.fetch($0, limit: 4 << 10, timeoutSeconds: 5) }
        } catch let refusal as RelayRefusal {
            let shown = Self.redactingCredentials(refusal.proxy)
            if case .status(let status, _) = refusal.error.kind {
                return DoctorCheck(id, .error, "the proxy \(shown) answers /sumdb/\(setting.name)/supported with HTTP \(status) (only 200, 404 and 410 are understood): the go command then treats \(setting.name) as unavailable, and toolchain downloads fail",
                                   fix: "fix the proxy, or name the database's URL yourself: GOSUMDB='\(setting.verifierKey) https://\(setting.name)'")
            }
            return DoctorCheck(id, .warning, "cannot ask \(shown) whether it relays \(setting.name): \(refusal.error.goverError.message)")
        } catch {
            return DoctorCheck(id, .warning, "cannot ask the proxies whether they relay \(setting.name): \(error)")
        }
        let via = route.relay.map { "through the proxy \(Self.redactingCredentials($0))" } ?? "directly"
        let root = route.base
        do {
            let body = try http.fetch(root + "/latest", limit: 64 << 10, timeoutSeconds: 5).1
            let note = try SignedNote.open(body, verifiers: [NoteVerifier(verifierKey: setting.verifierKey)])
            let tree = try LogTree(noteText: note.text)
            return DoctorCheck(id, .ok, "checksum database \(setting.name), reached \(via): its signed tree head verifies (\(tree.size) records)")
        } catch let error as TransferError {
            return DoctorCheck(id, .warning, "checksum database \(setting.name) (\(Self.redactingCredentials(root))) is unreachable: \(error.goverError.message); toolchain downloads will fail",
                               fix: "check the network, or use a reachable mirror of it: GOSUMDB=sum.golang.google.cn, or a GOPROXY that relays it")
        } catch let error as GoverError {
            let reason: String
            if case .checksumDatabaseRejected(_, let text) = error { reason = text } else { reason = error.message }
            return DoctorCheck(id, .error, "the checksum database at \(Self.redactingCredentials(root)) answers with a tree head that does not verify with the key of \(setting.name) (\(reason)): wrong GOSUMDB key, or not that database",
                               fix: "go env -w GOSUMDB=\(setting.name == "sum.golang.google.cn" ? "sum.golang.google.cn" : "sum.golang.org")")
        } catch {
            return DoctorCheck(id, .warning, "checksum database \(setting.name): \(error)")
        }
    }

    private func startupFilesCheck() -> DoctorCheck {
        guard let shell else {
            return DoctorCheck("shell.rc", .skipped, "cannot tell the shell (SHELL is not set)", fix: "gover doctor from your shell, or gover init --shell bash|zsh|fish|sh")
        }
        var script = EnvScript(storeRoot: store.root, environment: environment)
        let block = ManagedBlock.forShell(shell, script: script)
        script.auto = true
        let autoBlock = ManagedBlock.forShell(shell, script: script)
        var missing: [String] = []
        var outdated: [String] = []
        let files = StartupFiles.targets(for: shell, home: home, environment: environment, os: os)
        var unreadable: [String] = []
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try FileSystem.readRegularFile(file.path) ?? []
            } catch let error as GoverError {
                unreadable.append(error.message)
                continue
            } catch {
                unreadable.append("\(file.path): \(error)")
                continue
            }
            if ManagedBlock.contains(block, in: bytes) || ManagedBlock.contains(autoBlock, in: bytes) { continue }
            if (try? ManagedBlock.locate(in: bytes, path: file.path)) != nil {
                outdated.append(file.path)
            } else {
                missing.append("\(file.path) (\(file.readBy))")
            }
        }
        if !unreadable.isEmpty {
            return DoctorCheck("shell.rc", .error, unreadable.joined(separator: "; "),
                               fix: "replace it with a regular file, then gover init --shell \(shell.rawValue)")
        }
        if missing.isEmpty && outdated.isEmpty {
            return DoctorCheck("shell.rc", .ok, "the gover block is in " + files.map(\.path).joined(separator: ", "))
        }
        var problems: [String] = []
        if !missing.isEmpty { problems.append("no gover block in " + missing.joined(separator: ", ")) }
        if !outdated.isEmpty { problems.append("an outdated gover block in " + outdated.joined(separator: ", ")) }
        return DoctorCheck("shell.rc", .warning, problems.joined(separator: "; ") + " (\(shell.rawValue))",
                           fix: "gover init --shell \(shell.rawValue) (see it first with --print)")
    }

    // MARK: Helpers

    var evalCommand: String { (shell ?? .sh).evalCommand }

    var initCommand: String {
        "`gover init" + (shell.map { " --shell \($0.rawValue)" } ?? "") + "`"
    }

    /// A go setting from the environment, else from go's own env file (`go env -w`).
    func goSetting(_ key: String) -> (value: String, source: String)? {
        GoSettings(environment: environment, home: home, os: os).value(key)
    }

    /// The version in `go version` output: `go version go1.22.5 linux/amd64`.
    private func reportedVersion(_ output: String) -> GoVersion? {
        let words = output.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count >= 3, words[0] == "go", words[1] == "version" else { return nil }
        return GoVersion(String(words[2]))
    }

    /// `https://user:secret@host/path` → `https://***@host/path`.
    static func redactingCredentials(_ url: String) -> String {
        let parts = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        // ["https:", "", "user:secret@host", "path"]
        guard parts.count >= 3, parts[0].hasSuffix(":"), parts[1].isEmpty,
              let at = parts[2].lastIndex(of: "@") else { return url }
        var redacted = parts.map(String.init)
        redacted[2] = "***" + parts[2][at...]
        return redacted.joined(separator: "/")
    }

    private func describe(_ result: Subprocess.Result) -> String {
        if let spawnError = result.spawnError { return "cannot start: \(spawnError)" }
        if result.timedOut { return "did not finish in time (at most \(Int(goTimeout))s each, \(Int(subprocessBudget))s for all; killed)" }
        let firstLine = result.output.split(separator: "\n").first.map(String.init) ?? ""
        guard let status = result.status else { return "was killed by a signal" }
        return status == 0 ? "printed `\(firstLine)`" : "failed (exit \(status)): \(firstLine)"
    }
}

/// `path` quoted for a POSIX shell command line shown to the user.
func shellQuoted(_ path: String) -> String {
    // ASCII bytes only: a Swift `Character` is a grapheme cluster, and a "letter" such as
    // U+0D4E (a Prepend character) glues the `;` after it into one "letter" cluster.
    let safe = !path.isEmpty && path.utf8.allSatisfy { byte in
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || "/._-+:@%".utf8.contains(byte)
    }
    return safe ? path : "'" + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"

}
