/// `GOPROXY`, parsed as the go command parses it (`cmd/go/internal/modfetch/proxy.go`).
///
/// A list of proxy URLs separated by `,` (try the next one only when this one answers
/// 404 or 410) or `|` (try the next one after any error), ending at `direct` (fetch from
/// the module's origin; for `golang.org/toolchain` that is go.dev's own module server) or
/// `off` (no downloads at all). Unset or empty means `https://proxy.golang.org,direct`.
public struct ModuleProxyList: Equatable, Sendable {
    public enum Entry: Equatable, Sendable {
        /// A proxy base URL without a trailing `/`; `fallBackOnError` when followed by `|`.
        case proxy(url: String, fallBackOnError: Bool)
        case direct
        case off
    }

    public var entries: [Entry]

    public static let defaultValue = "https://proxy.golang.org,direct"
    /// Where `direct` finds `golang.org/toolchain`: its `go-import` meta tag says
    /// `golang.org/toolchain mod https://go.dev/dl/mod`, a module proxy of its own.
    public static let toolchainOrigin = "https://go.dev/dl/mod"

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// Parses a GOPROXY value. Bare host names get `https://` as in the go command;
    /// anything that is neither a keyword nor an `http(s)://`/`file://` URL is refused.
    public init(parsing value: String?) throws(GoverError) {
        var text = Substring((value ?? "").isEmpty ? Self.defaultValue : value!)
        var entries: [Entry] = []
        while !text.isEmpty {
            let item: Substring
            var fallBackOnError = false
            if let separator = text.firstIndex(where: { $0 == "," || $0 == "|" }) {
                item = text[..<separator]
                fallBackOnError = text[separator] == "|"
                text = text[text.index(after: separator)...]
            } else {
                item = text
                text = ""
            }
            let url = item.trimmingWhitespace()
            if url.isEmpty { continue }
            if url == "off" { entries.append(.off); break }
            // As in the go command, `direct` ends the list: later entries are ignored.
            if url == "direct" { entries.append(.direct); break }
            entries.append(.proxy(url: try Self.validatedURL(url, whole: value ?? ""), fallBackOnError: fallBackOnError))
        }
        if entries.isEmpty {
            throw GoverError.invalidModuleSetting(name: "GOPROXY", value: value ?? "", reason: "it lists no proxy; use e.g. \(Self.defaultValue)")
        }
        self.init(entries: entries)
    }

    private static func validatedURL(_ text: String, whole: String) throws(GoverError) -> String {
        // Printable ASCII only, checked first: every test below then works on bytes, where a
        // combining mark cannot glue itself to a `/` and hide it from a Character comparison.
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw GoverError.invalidModuleSetting(name: "GOPROXY", value: whole, reason: "'\(text)' contains a space, a control or a non-ASCII character")
        }
        var url = text
        let lower = url.lowercased()
        if !lower.contains(":/") {
            // `goproxy.cn` means https://goproxy.cn; single words are reserved keywords.
            guard url.contains(".") || url.contains(":") || url.contains("/"), !url.hasPrefix("/") else {
                throw GoverError.invalidModuleSetting(name: "GOPROXY", value: whole, reason: "'\(text)' is neither a URL nor one of the keywords direct and off")
            }
            url = "https://" + url
        } else if !(lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("file://")) {
            throw GoverError.invalidModuleSetting(name: "GOPROXY", value: whole, reason: "'\(text)' is not an http, https or file URL")
        }
        while url.hasSuffix("/") { url.removeLast() }
        // `https://` or `file:///` alone names no server and no directory: what follows the
        // scheme's `://` (checked above) must not be only slashes.
        guard url.drop(while: { $0 != ":" }).dropFirst(3).contains(where: { $0 != "/" }) else {
            throw GoverError.invalidModuleSetting(name: "GOPROXY", value: whole, reason: "'\(text)' names no host or directory")
        }
        return url
    }


    /// The proxy base URLs a download may use, in order (`direct` becomes go.dev's module
    /// server); `off` ends the list. Empty when the list starts with `off`.
    public var baseURLs: [String] {
        var urls: [String] = []
        for entry in entries {
            switch entry {
            case .proxy(let url, _): urls.append(url)
            case .direct: urls.append(Self.toolchainOrigin)
            case .off: return urls
            }
        }
        return urls
    }

    /// Runs `body` against each proxy in turn, as the go command's `TryProxies` does: the
    /// next one is tried after a "not found" (404/410), or after any error when the
    /// proxy was followed by `|`. Reaching `off` fails with `moduleSourceDisabled`.
    public func tryEach<T>(_ body: (_ baseURL: String) throws -> T) throws -> T {
        var lastError: Error?
        for entry in entries {
            let url: String
            var fallBackOnError = false
            switch entry {
            case .proxy(let proxyURL, let fallBack): url = proxyURL; fallBackOnError = fallBack
            case .direct: url = Self.toolchainOrigin
            case .off:
                if let lastError { throw lastError }
                throw GoverError.moduleSourceDisabled(setting: "GOPROXY=off", reason: "module downloads are disabled, so no toolchain can come from a module proxy; set GOPROXY (e.g. \(Self.defaultValue)) or use a release mirror (unset GOVER_MIRROR)")
            }
            do {
                return try body(url)
            } catch {
                lastError = error
                if fallBackOnError || Self.isNotFound(error) { continue }
                throw error
            }
        }
        throw lastError ?? GoverError.moduleSourceDisabled(setting: "GOPROXY", reason: "no proxy to try")
    }

    /// 404 and 410 ("this proxy does not have it"): the only answers after which a `,` list
    /// moves on.
    static func isNotFound(_ error: Error) -> Bool {
        switch error {
        case let error as TransferError: return error.isNotFound
        case GoverError.httpStatus(_, let status): return status == 404 || status == 410
        default: return false
        }
    }
}
