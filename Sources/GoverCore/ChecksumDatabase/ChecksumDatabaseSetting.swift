/// GOSUMDB, parsed as the go command parses it (cmd/go/internal/modfetch/sumdb.go `dbDial`).
/// `parse` returns nil for `off`.
public struct ChecksumDatabaseSetting: Equatable, Sendable {
    /// The database's name, e.g. `sum.golang.org`: the name of its verifier key.
    public var name: String
    /// `<name>+<hash>+<key>`, a valid Ed25519 note-verifier key.
    public var verifierKey: String
    /// The URL given as `GOSUMDB="<key> <url>"`; nil means `https://<name>`, or the database
    /// through a proxy's `/sumdb/<name>/`, as the go command derives it.
    public var url: String?

    /// The go command's known keys (modfetch/key.go `knownGOSUMDB`).
    public static let knownKeys = [
        "sum.golang.org": "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
    ]

    /// The default, for GOSUMDB unset or empty.
    public static let standard = ChecksumDatabaseSetting(
        name: "sum.golang.org", verifierKey: knownKeys["sum.golang.org"]!, url: nil)

    public init(name: String, verifierKey: String, url: String?) {
        self.name = name
        self.verifierKey = verifierKey
        self.url = url
    }

    /// Accepts, as the go command: unset or empty (sum.golang.org), `off` (nil), a known name
    /// (`sum.golang.org`), `sum.golang.google.cn` (sum.golang.org's key at
    /// https://sum.golang.google.cn), a verifier key `name+hash+key`, or either followed by a
    /// space and the URL to reach the database at.
    public static func parse(_ value: String?) throws -> ChecksumDatabaseSetting? {
        let original = value ?? ""
        func invalid(_ reason: String) -> GoverError {
            .invalidModuleSetting(name: "GOSUMDB", value: original, reason: reason)
        }
        var text = original
        if text.isEmpty { text = "sum.golang.org" }
        if text == "off" { return nil }
        // An alias of sum.golang.org reachable inside mainland China.
        if text == "sum.golang.google.cn" { text = "sum.golang.org https://sum.golang.google.cn" }

        var fields = text.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }).map { String(String.UnicodeScalarView($0)) }
        guard !fields.isEmpty else { throw invalid("it is empty; unset it for sum.golang.org, or set it to off") }
        guard fields.count <= 2 else {
            throw invalid("too many fields: expected a database name or verifier key, optionally followed by a URL")
        }
        if let known = knownKeys[fields[0]] { fields[0] = known }
        let verifier: NoteVerifier
        do {
            verifier = try NoteVerifier(verifierKey: fields[0])
        } catch GoverError.checksumDatabaseRejected(_, let reason) {
            let known = knownKeys.keys.sorted().joined(separator: ", ")
            throw invalid("'\(fields[0])' is not a known database name (\(known)) nor a valid verifier key <name>+<hash>+<key> (\(reason))")
        }
        guard isHostAndPath(verifier.name) else {
            throw invalid("the database name '\(verifier.name)' must be host[/path]")
        }
        var url: String?
        if fields.count == 2 {
            guard isHTTPURL(fields[1]) else {
                throw invalid("'\(fields[1])' is not an http:// or https:// URL with a host")
            }
            url = fields[1]
        }
        return ChecksumDatabaseSetting(name: verifier.name, verifierKey: fields[0], url: url)
    }

    /// The go command refuses a name that `https://<name>` would not parse back to as just a
    /// host and a path. gover allows the characters of host names and plain paths only.
    private static func isHostAndPath(_ name: String) -> Bool {
        let (host, path) = chop(name, "/")
        let hostBytes = Array(host.utf8)
        guard !hostBytes.isEmpty, !name.hasSuffix("/"),
              hostBytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ":") })
        else { return false }
        return path.utf8.allSatisfy { isAlphanumeric($0) || "-._~/".utf8.contains($0) }
    }

    private static func isHTTPURL(_ text: String) -> Bool {
        for scheme in ["https://", "http://"] where text.lowercased().hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            return !host.isEmpty && !text.unicodeScalars.contains { $0.value < 0x21 || $0.value == 0x7F }
        }
        return false
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
