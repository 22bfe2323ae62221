// A port of golang.org/x/mod/sumdb/tlog/note.go: the text of a signed tree head, and the
// record format of a lookup answer.

/// A tree head: the log's size and the hash of its tree.
struct LogTree: Equatable, Sendable {
    let size: Int64
    let hash: LogHash

    static let empty = LogTree(size: 0, hash: .zero)

    /// The largest tree size accepted from a server. x/mod takes any non-negative Int64; gover
    /// bounds it so that every storage index (about twice the size) stays inside Int64 and no
    /// computation on a hostile size can overflow. The real log has under 2^30 records.
    static let maxSize: Int64 = 1 << 60

    private static let prefix = Array("go.sum database tree\n".utf8)
    /// From `tlog.ParseTree`.
    static let maxNoteText = 1_000_000

    /// `go.sum database tree\n<size>\n<base64 hash>\n` (`tlog.FormatTree`).
    var noteText: [UInt8] {
        Array("go.sum database tree\n\(size)\n\(hash)\n".utf8)
    }

    /// Parses a tree note's text (`tlog.ParseTree`): anything after the third line is ignored.
    init(noteText text: [UInt8]) throws {
        let malformed = checksumRejection("malformed tree note")
        guard text.starts(with: Self.prefix), text.count(where: { $0 == 0x0A }) >= 3, text.count <= Self.maxNoteText
        else { throw malformed }
        let lines = text.split(separator: 0x0A, maxSplits: 3, omittingEmptySubsequences: false)
        guard let size = parseLogNumber(lines[1]), size <= Self.maxSize,
              let hash = LogHash(base64: String(decoding: lines[2], as: UTF8.self))
        else { throw malformed }
        self.size = size
        self.hash = hash
    }

    init(size: Int64, hash: LogHash) {
        self.size = size
        self.hash = hash
    }
}

/// A decimal number as the log writes it: digits only, no sign, no leading zero, at most 19
/// digits, no overflow. x/mod's `strconv.ParseInt` also takes a sign and leading zeros; the
/// database never sends either, and refusing them keeps hostile numbers simple.
func parseLogNumber(_ bytes: some Collection<UInt8>) -> Int64? {
    guard !bytes.isEmpty, bytes.count <= 19, bytes.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
    guard bytes.count == 1 || bytes.first != 0x30 else { return nil }
    var value: Int64 = 0
    for byte in bytes {
        let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - 0x30))
        guard !overflow1, !overflow2 else { return nil }
        value = sum
    }
    return value
}

/// One record of the log, as a lookup answers it: `<id>\n<text>\n<signed tree note>`, where the
/// text is lines of go.sum entries ending in a newline and without blank lines.
struct LogRecord: Equatable, Sendable {
    let id: Int64
    let text: [UInt8]
    /// What follows the record: in a lookup answer, the signed tree note.
    let rest: [UInt8]

    /// Parses a record (`tlog.ParseRecord`).
    init(_ message: [UInt8]) throws {
        let malformed = checksumRejection("malformed record data")
        guard let newline = message.firstIndex(of: 0x0A), let id = parseLogNumber(message[..<newline]) else {
            throw malformed
        }
        let afterID = message[(newline + 1)...]
        guard let end = firstBlankLine(in: afterID) else { throw malformed }
        let text = Array(afterID[..<(end + 1)])
        guard Self.isValidText(text) else { throw malformed }
        self.id = id
        self.text = text
        self.rest = Array(afterID[(end + 2)...])
    }

    /// `<id>\n<text>\n` (`tlog.FormatRecord`).
    static func format(id: Int64, text: [UInt8]) throws -> [UInt8] {
        guard isValidText(text) else { throw checksumRejection("malformed record data") }
        return Array("\(id)\n".utf8) + text + [0x0A]
    }

    /// Valid UTF-8, no control characters but newline, no blank line, ending in a newline.
    static func isValidText(_ text: [UInt8]) -> Bool {
        guard let decoded = String(validating: text, as: UTF8.self), text.last == 0x0A else { return false }
        var last: Unicode.Scalar = "\0"
        for scalar in decoded.unicodeScalars {
            if scalar.value < 0x20 && scalar != "\n" { return false }
            if scalar == "\n" && last == "\n" { return false }
            last = scalar
        }
        return true
    }
}

/// The index of the first `\n\n` in `bytes`.
private func firstBlankLine(in bytes: ArraySlice<UInt8>) -> Int? {
    var index = bytes.startIndex
    while index + 1 < bytes.endIndex {
        if bytes[index] == 0x0A && bytes[index + 1] == 0x0A { return index }
        index += 1
    }
    return nil
}
