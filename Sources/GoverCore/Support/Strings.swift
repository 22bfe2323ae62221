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
