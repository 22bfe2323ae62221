/// How often and how patiently transient failures are retried.
///
/// Exponential backoff with jitter: attempt n waits about `baseDelay × 2^(n-1)` (capped),
/// scaled by a random factor in [0.5, 1) so that many clients failing together (a CI fleet
/// behind one proxy) do not retry in lockstep. A server's `Retry-After` wins, capped at a
/// minute.
public struct RetryPolicy: Sendable {
    /// Retries after the first attempt (`GOVER_RETRIES`, default 4).
    public var retries: Int
    /// Seconds before the first retry (`GOVER_RETRY_DELAY`, default 1).
    public var baseDelay: Double
    public var maxDelay: Double = 30

    public init(retries: Int = 4, baseDelay: Double = 1) {
        self.retries = retries
        self.baseDelay = baseDelay
    }

    /// Reads `GOVER_RETRIES` and `GOVER_RETRY_DELAY`; out-of-range values are refused.
    public init(environment: [String: String]) throws(GoverError) {
        self.init(retries: try EnvironmentNumber.retries.integer(in: environment),
                  baseDelay: try EnvironmentNumber.retryDelay.decimal(in: environment))
    }

    func delay(beforeRetry attempt: Int, retryAfter: Double?) -> Double {
        // `!(x >= 0)` also catches NaN, which `max` would pass through.
        if let retryAfter { return retryAfter >= 0 ? min(retryAfter, 60) : 0 }
        var exponential = baseDelay
        for _ in 1..<max(min(attempt, 64), 1) where exponential < maxDelay { exponential *= 2 }
        return min(exponential, maxDelay) * Double.random(in: 0.5..<1)
    }

    /// Runs `body`, retrying transient `TransferError`s.
    func run<T>(reporter: Reporter, _ body: () throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body()
            } catch let error as TransferError where error.isTransient && attempt < retries {
                attempt += 1
                try waitBeforeRetry(attempt, after: error, reporter: reporter)
            }
        }
    }

    /// Announces retry `attempt` in one line (`detail` appended), then backs off.
    func waitBeforeRetry(_ attempt: Int, after error: TransferError, reporter: Reporter, detail: String = "") throws {
        let wait = delay(beforeRetry: attempt, retryAfter: error.retryAfter)
        reporter.warning("\(error.goverError.message); retry \(attempt)/\(retries) in \(formatDecimal(wait, digits: 1))s\(detail)")
        try pause(seconds: wait)
    }
}

/// Sleeps, waking early to throw if Ctrl-C arrives. `seconds` is clamped to 0...1 day (and
/// NaN counts as 0), so no value can trap a conversion.
func pause(seconds: Double) throws {
    let wait = seconds >= 0 ? min(seconds, 86_400) : 0
    let deadline = monotonicSeconds() + wait
    while true {
        let left = deadline - monotonicSeconds()
        guard left > 0 else { break }
        if let interruption = InterruptMonitor.shared.interruption { throw interruption }
        // `left` is in (0, 86400]: the microseconds fit a UInt32 once capped at 50 ms.
        usleep(UInt32(min(50_000, max(1, left * 1e6))))
    }
    if let interruption = InterruptMonitor.shared.interruption { throw interruption }
}
