/// Everything gover tells the user while it works goes through here, on stderr; stdout is
/// kept for results scripts read (`gover current`, `gover list`).
///
/// On a terminal a live progress line (bytes, rate, ETA) redrawn at most 4 times a second;
/// elsewhere (CI logs, `docker build`) one plain line per phase; `--quiet` keeps only errors
/// and warnings.
public final class Reporter: @unchecked Sendable {
    public enum Mode: Sendable { case quiet, plain, live }

    public let mode: Mode
    private let fd: Int32 = 2
    private struct ProgressState {
        var label = ""
        var started: Double = 0
        var lastDraw: Double = 0
        var drawn = false
    }
    private let progressState = Locked(ProgressState())

    public init(mode: Mode) {
        self.mode = mode
    }

    /// The mode a user expects: live on a terminal unless `TERM=dumb`, plain otherwise.
    public static func automatic(quiet: Bool, environment: [String: String]) -> Reporter {
        if quiet { return Reporter(mode: .quiet) }
        let terminal = isatty(2) == 1 && environment["TERM"] != "dumb"
        return Reporter(mode: terminal ? .live : .plain)
    }

    public func info(_ line: String) {
        guard mode != .quiet else { return }
        clearProgressLine()
        writeAll(line + "\n", to: fd)
    }

    public func warning(_ line: String) {
        clearProgressLine()
        writeAll("warning: " + line + "\n", to: fd)
    }

    public func error(_ line: String) {
        clearProgressLine()
        writeAll("error: " + line + "\n", to: fd)
    }

    public func beginProgress(_ label: String) {
        progressState.withLock {
            $0 = ProgressState(label: label, started: monotonicSeconds(), lastDraw: 0, drawn: false)
        }
    }

    /// Called from the download thread with each chunk; draws only on a terminal.
    public func progress(received: Int64, total: Int64) {
        guard mode == .live else { return }
        let now = monotonicSeconds()
        let line: String? = progressState.withLock { state in
            guard now - state.lastDraw >= 0.25 || (total > 0 && received >= total) else { return nil }
            state.lastDraw = now
            state.drawn = true
            let elapsed = max(now - state.started, 0.001)
            let rate = Double(received) / elapsed
            var text = "\(state.label)  \(formatBytes(received))"
            if total > 0 {
                let fraction = min(1, Double(received) / Double(total))
                let width = 24
                let filled = Int(fraction * Double(width))
                text += " / \(formatBytes(total)) [" + String(repeating: "#", count: filled)
                    + String(repeating: "-", count: width - filled) + "]"
                // `total` may come from a server's Content-Length: keep the arithmetic in range.
                let eta = rate > 0 && received < total ? (Double(total) - Double(received)) / rate : 0
                if eta > 0 && eta < 1e7 { text += "  ETA \(Int(eta.rounded(.up)))s" }
            }
            text += "  \(formatBytes(Int64(min(rate, 1e15))))/s"
            return text
        }
        if let line { writeAll("\r\u{1B}[K" + line, to: fd) }
    }

    public func clearProgressLine() {
        guard mode == .live else { return }
        let wasDrawn = progressState.withLock { state -> Bool in
            defer { state.drawn = false }
            return state.drawn
        }
        if wasDrawn { writeAll("\r\u{1B}[K", to: fd) }
    }
}

/// Seconds on a monotonic clock, for rates and durations.
public func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
