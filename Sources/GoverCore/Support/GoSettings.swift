/// The go command's own settings (`GOPROXY`, `GOSUMDB`, `GOTOOLCHAIN`, ...) as it reads
/// them: the environment first, then its env file, where `go env -w` writes
/// (`$GOENV`, else `os.UserConfigDir()/go/env`). gover reads them the same way so that
/// `go env -w GOPROXY=https://goproxy.cn,direct` serves gover's downloads too.
public struct GoSettings: Sendable {
    public var environment: [String: String]
    public var home: String
    /// GOOS of this machine: where the env file lives.
    public var os: String

    public init(environment: [String: String], home: String, os: String) {
        self.environment = environment
        self.home = home
        self.os = os
    }

    /// The value and where it came from ("the environment" or the env file's path); nil
    /// when unset or empty in both.
    public func value(_ key: String) -> (value: String, source: String)? {
        if let value = environment[key], !value.isEmpty { return (value, "the environment") }
        guard let file = envFile, let bytes = FileSystem.readFile(file, limit: FileSystem.userFileLimit) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).textLines() {
            let trimmed = line.trimmingWhitespace()
            if trimmed.hasPrefix(key + "=") {
                let value = String(trimmed.dropFirst(key.count + 1))
                return value.isEmpty ? nil : (value, file)
            }
        }
        return nil
    }

    /// `$GOENV` (`off`: none), else `os.UserConfigDir()/go/env` as the go command computes it.
    var envFile: String? {
        if let goenv = environment["GOENV"], !goenv.isEmpty { return goenv == "off" ? nil : goenv }
        if os == "darwin" { return home + "/Library/Application Support/go/env" }
        return StartupFiles.configHome(home: home, environment: environment) + "/go/env"
    }
}
