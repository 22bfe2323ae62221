extension StringProtocol {
    /// Leading and trailing white space (spaces, tabs, CR, LF and CRLF) removed.
    func trimmingWhitespace() -> String {
        // `Character.isWhitespace`, not a list of scalars: "\r\n" is one Character in Swift.
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}

/// Runs `body` on the UTF-8 bytes of `text` in place (a native string is not copied): a
/// loop over them is several times faster than one through `text.utf8`'s iterator, which
/// matters for checks run on every line of an index or every entry of an archive.
func withBytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    var text = text
    return try text.withUTF8(body)
}

/// Human-readable byte counts: `67.6 MB`.
public func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : "\(formatDecimal(value, digits: 1)) \(units[unit])"
}

/// `String(format:)` would pull in Foundation's ICU data; this is all gover needs.
public func formatDecimal(_ value: Double, digits: Int) -> String {
    // Only gover's own measurements come here, but a NaN or an out-of-range value must not trap.
    guard value.isFinite, abs(value) < 1e15 else { return value.isNaN ? "?" : value < 0 ? "-∞" : "∞" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int64((value * scale).rounded())
    let whole = scaled / Int64(scale)
    let fraction = abs(scaled % Int64(scale))
    if digits == 0 { return "\(whole)" }
    var fractionText = String(fraction)
    while fractionText.count < digits { fractionText = "0" + fractionText }
    return "\(scaled < 0 && whole == 0 ? "-" : "")\(whole).\(fractionText)"
}

extension StringProtocol {
    /// The lines of a text file, LF or CRLF terminated ("\r\n" is a single Character, so a
    /// plain split on "\n" would not see those line ends).
    func textLines() -> [SubSequence] {
        split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }
}

/// Text from outside (an index's file names, URLs, a server's or libcurl's reasons, header
/// values) made safe to print: C0 and C1 control characters, DEL and ESC become visible
/// escapes (`\x1b`, `\n`), so that such text can neither move the cursor nor rewrite the
/// line (an escape sequence in a file name once painted a fake "Installed ..." over an
/// error) nor start a line of its own. Everything printed that gover did not write itself
/// goes through here.
public func terminalSafe(_ text: some StringProtocol) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x0A: result += "\\n"
        case 0x0D: result += "\\r"
        case 0x09: result += "\\t"
        case 0x00...0x1F, 0x7F...0x9F:
            let hex = Array("0123456789abcdef")
            let value = Int(scalar.value)
            result += value > 0xFF ? "?" : "\\x" + String([hex[value >> 4], hex[value & 0xF]])
        // Bidirectional overrides reorder what follows them on screen ("Trojan Source").
        case 0x202A...0x202E, 0x2066...0x2069:
            result += "\\u{" + String(scalar.value, radix: 16) + "}"
        default:
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}
