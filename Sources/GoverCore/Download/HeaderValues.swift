#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Strict parsers for the response headers gover acts on. A server's numbers are outside
/// input: `Retry-After: nan` once reached `usleep(UInt32(...))` and trapped. Each parser
/// accepts only the RFC's grammar, with digit counts bounded so no conversion can
/// overflow, and answers nil for anything else (the header is then ignored).
enum HeaderValues {
    /// The largest wait a `Retry-After` can ask for here; `RetryPolicy` caps it further.
    static let retryAfterCap = 86_400.0

    /// `Retry-After` (RFC 9110 §10.2.3): delta-seconds (`120`) or an IMF-fixdate
    /// (`Wed, 21 Oct 2015 07:28:00 GMT`), as seconds from `now` within 0...`retryAfterCap`.
    /// A date in the past means "now"; `-1`, `1.5`, `nan`, `inf`, `1e30` are not the grammar.
    static func retryAfterSeconds(_ value: String, now: Double) -> Double? {
        if !value.isEmpty, value.utf8.allSatisfy(isDigit) {
            // Any run of digits is valid delta-seconds, however long: cap it without converting.
            guard value.utf8.count <= 9, let seconds = Int(value) else { return retryAfterCap }
            return min(Double(seconds), retryAfterCap)
        }
        guard let date = httpDate(value) else { return nil }
        return min(max(date - now, 0), retryAfterCap)
    }

    /// Seconds since 1970 of an IMF-fixdate; nil for anything else (the obsolete RFC 850 and
    /// asctime forms included: no server gover talks to sends them).
    static func httpDate(_ value: String) -> Double? {
        let parts = value.split(separator: " ", omittingEmptySubsequences: false)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[0].count == 4, parts[0].hasSuffix(","), parts[5] == "GMT",
              let day = number(parts[1], digits: 2), (1...31).contains(day),
              let month = months.firstIndex(of: String(parts[2])),
              let year = number(parts[3], digits: 4), year >= 1970 else { return nil }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, let hour = number(clock[0], digits: 2), let minute = number(clock[1], digits: 2),
              let second = number(clock[2], digits: 2), hour < 24, minute < 60, second <= 60 else { return nil }
        var fields = tm()
        fields.tm_year = Int32(year - 1900)
        fields.tm_mon = Int32(month)
        fields.tm_mday = Int32(day)
        fields.tm_hour = Int32(hour)
        fields.tm_min = Int32(minute)
        fields.tm_sec = Int32(second)
        let seconds = timegm(&fields)
        return seconds < 0 ? nil : Double(seconds)
    }

    /// The first byte of `Content-Range: bytes FIRST-LAST/TOTAL` (TOTAL may be `*`), when the
    /// header is well formed and consistent (FIRST ≤ LAST < TOTAL); nil otherwise, which makes
    /// a resume start over rather than trust the server's arithmetic.
    static func contentRangeStart(_ value: String) -> Int64? {
        guard value.hasPrefix("bytes ") else { return nil }
        let spec = value.dropFirst(6)
        let halves = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2 else { return nil }
        let bounds = halves[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = number(bounds[0], digits: 18), let last = number(bounds[1], digits: 18),
              first <= last else { return nil }
        if halves[1] != "*" {
            guard let total = number(halves[1], digits: 18), last < total else { return nil }
        }
        return Int64(first)
    }

    /// An `ETag` or `Last-Modified` value worth keeping: 1 to 256 printable ASCII bytes
    /// (no control character could then split a request header or a cache line).
    static func validator(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= 256, value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }

    /// 1 to `digits` ASCII digits (at most 18, so the value fits an Int64 with room to add).
    private static func number(_ text: Substring, digits: Int) -> Int? {
        guard !text.isEmpty, text.utf8.count <= min(digits, 18), text.utf8.allSatisfy(isDigit) else { return nil }
        return Int(text)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
