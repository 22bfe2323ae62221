/// A number read from an environment variable (`GOVER_RETRIES`, `GOVER_LOW_SPEED_TIME`, ...):
/// plain decimal digits (a fraction only where `allowsFraction`), within a documented range.
/// Anything else — `1e9`, `nan`, `-1`, `9223372036854775807`, `30s` — is refused with a
/// message naming the variable (exit 2) rather than silently replaced: a typo in a CI
/// file should fail loudly, and no outside value ever reaches `Int(someDouble)` or
/// unchecked arithmetic. Unset or empty means the default.
public struct EnvironmentNumber: Sendable {
    public let name: String
    public let range: ClosedRange<Int>
    public let defaultValue: Int
    /// Whether `0.25` is accepted (seconds of backoff); the value is then returned as a Double.
    public let allowsFraction: Bool
    public let unit: String

    public init(_ name: String, range: ClosedRange<Int>, default defaultValue: Int, unit: String,
                allowsFraction: Bool = false) {
        self.name = name
        self.range = range
        self.defaultValue = defaultValue
        self.unit = unit
        self.allowsFraction = allowsFraction
    }

    /// Every variable gover reads as a number, with its range; the README's table lists these.
    public static let retries = EnvironmentNumber("GOVER_RETRIES", range: 0...20, default: 4, unit: "retries")
    public static let retryDelay = EnvironmentNumber("GOVER_RETRY_DELAY", range: 0...60, default: 1, unit: "seconds",
                                                     allowsFraction: true)
    public static let connectTimeout = EnvironmentNumber("GOVER_CONNECT_TIMEOUT", range: 1...300, default: 30, unit: "seconds")
    public static let lowSpeedLimit = EnvironmentNumber("GOVER_LOW_SPEED_LIMIT", range: 0...(1 << 30), default: 1024,
                                                        unit: "bytes/s")
    public static let lowSpeedTime = EnvironmentNumber("GOVER_LOW_SPEED_TIME", range: 1...3600, default: 30, unit: "seconds")
    public static let indexTimeToLive = EnvironmentNumber("GOVER_INDEX_TTL", range: 0...31_536_000, default: 3600,
                                                          unit: "seconds")
    public static let indexTimeout = EnvironmentNumber("GOVER_INDEX_TIMEOUT", range: 1...3600, default: 120, unit: "seconds")
    /// 0: derived from the archive's size (see `HTTPClient.Settings.downloadTimeout(forSize:)`).
    public static let downloadTimeout = EnvironmentNumber("GOVER_DOWNLOAD_TIMEOUT", range: 0...604_800, default: 0,
                                                          unit: "seconds")

    public static let all: [EnvironmentNumber] = [
        retries, retryDelay, connectTimeout, lowSpeedLimit, lowSpeedTime, indexTimeToLive, indexTimeout, downloadTimeout,
    ]

    /// The value as an integer (variables without `allowsFraction`).
    public func integer(in environment: [String: String]) throws(GoverError) -> Int {
        guard let text = text(in: environment) else { return defaultValue }
        // At most 10 digits, so the conversion cannot overflow; the range does the rest.
        guard !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(text), range.contains(value) else { throw refusal(text) }
        return value
    }

    /// The value as seconds with an optional fraction (`0.05`).
    public func decimal(in environment: [String: String]) throws(GoverError) -> Double {
        guard let text = text(in: environment) else { return Double(defaultValue) }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digitsOnly: (Substring) -> Bool = { $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard allowsFraction || parts.count == 1, !parts[0].isEmpty, parts[0].utf8.count <= 10, parts.allSatisfy(digitsOnly),
              parts.count == 1 || (!parts[1].isEmpty && parts[1].utf8.count <= 9),
              let value = Double(text), value >= Double(range.lowerBound), value <= Double(range.upperBound)
        else { throw refusal(text) }
        return value
    }

    private func text(in environment: [String: String]) -> String? {
        guard let raw = environment[name] else { return nil }
        let text = raw.trimmingWhitespace()
        return text.isEmpty ? nil : text
    }

    private func refusal(_ text: String) -> GoverError {
        let kind = allowsFraction ? "a number (e.g. 0.5)" : "a whole number"
        return .invalidEnvironment(name: name, value: text,
                                   expected: "\(kind) of \(unit) from \(range.lowerBound) to \(range.upperBound); default \(defaultValue)")
    }
}
