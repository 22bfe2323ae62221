/// Where a `go` on PATH probably comes from, and which start-up file put its directory there:
/// what `gover doctor` needs to name a shadowing Go and say exactly what to change.
enum PathOrigins {
    /// Every executable `go` on `path`, in lookup order (an empty entry is the working directory).
    static func goExecutables(path: String, workingDirectory: String) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for entry in path.split(separator: ":", omittingEmptySubsequences: false) {
            let directory = entry.isEmpty ? workingDirectory : String(entry)
            let candidate = directory + "/go"
            if FileSystem.isExecutableFile(candidate), seen.insert(candidate).inserted {
                result.append(candidate)
            }
        }
        return result
    }

    /// A short guess at who installed the `go` in `directory`; nil when nothing fits.
    static func likelySource(of directory: String, home: String) -> String? {
        let guesses: [(String, String)] = [
            ("/usr/local/go/bin", "the go.dev tarball install (PATH usually set in /etc/profile, ~/.profile, or /etc/paths.d/go on macOS)"),
            ("/usr/lib/go", "Debian/Ubuntu's golang-go package (`apt remove golang-go`)"),
            ("/usr/bin", "a distribution package such as golang-go (`apt remove golang-go`, `dnf remove golang`)"),
            ("/snap/bin", "the go snap (`snap remove go`)"),
            ("/opt/homebrew", "Homebrew (`brew unlink go`)"),
            ("/home/linuxbrew/.linuxbrew", "Homebrew on Linux (`brew unlink go`)"),
            ("/usr/local/Cellar", "Homebrew (`brew unlink go`)"),
            (home + "/.goenv", "goenv"),
            (home + "/.gvm", "gvm"),
            (home + "/.asdf", "asdf"),
            (home + "/.local/share/mise", "mise"),
            (home + "/sdk", "golang.org/dl (`go install golang.org/dl/goX`)"),
            (home + "/go/bin", "`go install` into GOPATH/bin"),
        ]
        for (prefix, source) in guesses where directory == prefix || directory.hasPrefix(prefix + "/") || directory.hasPrefix(prefix + "-") {
            return source
        }
        return nil
    }

    /// Start-up files that may put a directory on PATH, most specific first.
    static func candidateFiles(home: String, environment: [String: String]) -> [String] {
        let zdot = StartupFiles.zshDirectory(home: home, environment: environment)
        let config = StartupFiles.configHome(home: home, environment: environment)
        var files = [".bash_profile", ".bash_login", ".profile", ".bashrc"].map { home + "/" + $0 }
        files += [".zshenv", ".zprofile", ".zshrc", ".zlogin"].map { zdot + "/" + $0 }
        files.append(config + "/fish/config.fish")
        files += FileSystem.directoryEntries(config + "/fish/conf.d").sorted().filter { $0.hasSuffix(".fish") }
            .map { config + "/fish/conf.d/" + $0 }
        if let env = environment["ENV"], env.hasPrefix("/") { files.append(env) }
        if let bashEnv = environment["BASH_ENV"], bashEnv.hasPrefix("/") { files.append(bashEnv) }
        files += ["/etc/environment", "/etc/profile", "/etc/bash.bashrc", "/etc/zsh/zshenv", "/etc/zsh/zprofile",
                  "/etc/zsh/zshrc", "/etc/zshenv", "/etc/zprofile", "/etc/zshrc", "/etc/paths"]
        for directory in ["/etc/profile.d", "/etc/paths.d", "/etc/fish/conf.d"] {
            files += FileSystem.directoryEntries(directory).sorted().map { directory + "/" + $0 }
        }
        var seen = Set<String>()
        return files.filter { seen.insert($0).inserted }
    }

    /// `file:line` of lines outside gover's own block that mention `directory` (also
    /// spelled with `$HOME` or `~`), at most `limit`.
    static func mentions(of directory: String, in files: [String], home: String, limit: Int = 3) -> [String] {
        var paths = [directory]
        // `export GOROOT=/usr/local/go` + `PATH=$GOROOT/bin:$PATH` names only the Go tree.
        let parent = FileSystem.parentPath(of: directory)
        if directory.hasSuffix("/bin"), parent.split(separator: "/").last?.contains("go") == true { paths.append(parent) }
        var spellings = paths
        if !home.isEmpty, home != "/" {
            for path in paths where path.hasPrefix(home + "/") {
                let rest = path.dropFirst(home.count)
                spellings += ["$HOME" + rest, "${HOME}" + rest, "~" + rest]
            }
        }
        var found: [String] = []
        for file in files {
            // Regular files of at most 1 MiB only: a FIFO or a device must not hang doctor.
            guard let bytes = (try? FileSystem.readRegularFile(file)) ?? nil else { continue }
            var insideGoverBlock = false
            for (index, line) in String(decoding: bytes, as: UTF8.self).textLines().enumerated() {
                let trimmed = line.trimmingWhitespace()
                if trimmed == ManagedBlock.begin { insideGoverBlock = true }
                if trimmed == ManagedBlock.end { insideGoverBlock = false }
                if insideGoverBlock || trimmed.hasPrefix("#") { continue }
                if spellings.contains(where: { mentions(line, $0) }) {
                    found.append("\(file):\(index + 1)")
                    if found.count >= limit { return found }
                }
            }
        }
        return found
    }

    /// Whether `line` names `directory` itself, not a longer path that starts with it.
    private static func mentions(_ line: Substring, _ directory: String) -> Bool {
        var search = line[...]
        while let range = search.firstRange(of: directory) {
            let after = search[range.upperBound...].first
            if after == nil || !(after!.isLetter || after!.isNumber || after! == "_" || after! == "-" || after! == ".") {
                // `/usr/local/go/bin` counts, `/usr/local/go/bin2` does not; `/usr/local/go` + `/bin` does.
                return true
            }
            search = search[range.upperBound...]
        }
        return false
    }
}
