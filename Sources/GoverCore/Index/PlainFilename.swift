/// A file name that came from outside (an index entry, a `--file` argument) and is about
/// to become a path under `cache/`, part of a URL and a word on the terminal: proven to be
/// one plain path component. An index entry named `../../../home/me/.bashrc.tar.gz` once
/// overwrote a file outside the store with `--keep-archive`, and a NUL inside a name cut
/// the C path short; so every name is checked here, once, where the index is decoded.
public struct PlainFilename: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    /// Longer than any go.dev name (~45 bytes) by far, shorter than NAME_MAX with room
    /// for the `.tmp-XXXXXXXX` temporary suffix.
    public static let maxLength = 200

    /// Checks `text`; with `suffix`, it must also end with it (and have a stem before it).
    public init(_ text: String, suffix: String? = nil) throws(PlainFilename.Refusal) {
        if let problem = Self.problem(with: text, suffix: suffix) { throw Refusal(name: text, reason: problem) }
        value = text
    }

    public var description: String { value }

    /// Why `text` is not a plain file name, or nil when it is.
    public static func problem(with text: String, suffix: String? = nil) -> String? {
        let bytes = text.utf8
        if bytes.isEmpty { return "is empty" }
        if bytes.count > maxLength { return "is longer than \(maxLength) bytes" }
        if hasUnprintable(text) { return "contains a control character" }
        if withBytes(of: text, { $0.contains(UInt8(ascii: "/")) || $0.contains(UInt8(ascii: "\\")) }) {
            return "contains a path separator"
        }
        // On bytes: a dot followed by a combining mark is one Character, and still a dot file.
        if bytes.first == UInt8(ascii: ".") { return "starts with a dot" }
        if let suffix, !(text.hasSuffix(suffix) && bytes.count > suffix.utf8.count) { return "does not end in \(suffix)" }
        return nil
    }

    /// Whether `text` has a scalar `isUnprintable` refuses; printable ASCII (go.dev's names and
    /// digests, thousands per index) is settled on its bytes.
    static func hasUnprintable(_ text: String) -> Bool {
        if withBytes(of: text, { $0.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }) { return false }
        return text.unicodeScalars.contains(where: isUnprintable)
    }

    /// NUL, C0, DEL and C1 controls (ESC included), and the bidirectional overrides that
    /// `terminalSafe` would have to escape: none belongs in a file name.
    static func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    public struct Refusal: Error, Sendable, Equatable {
        public var name: String
        public var reason: String
        public var message: String { "file name '\(terminalSafe(name))' \(reason)" }
    }
}
