/// Turns SIGINT and SIGTERM into a cancellation that the running install can clean up
/// after (remove staging, release the lock), instead of dying with a half-written tree.
///
/// The signals are blocked in every thread and received by one dedicated thread with
/// `sigwait`, so no code runs in signal-handler context.
public final class InterruptMonitor: @unchecked Sendable {
    public static let shared = InterruptMonitor()

    private struct State {
        var signal: Int32?
        var handlers: [Int: () -> Void] = [:]
        var nextToken = 0
    }

    private let state = Locked(State())
    private let started = Locked(false)

    /// Starts watching. Call before any other thread is created, so they inherit the mask.
    public func start() {
        let alreadyStarted = started.withLock { value -> Bool in
            defer { value = true }
            return value
        }
        if alreadyStarted { return }
        // Past a file-size limit (RLIMIT_FSIZE) a write fails with EFBIG instead of killing
        // the process, so the install can clean up and say why.
        signal(SIGXFSZ, SIG_IGN)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        DetachedThread { [self] in
            while true {
                var received: Int32 = 0
                if sigwait(&set, &received) == 0 { deliver(received) }
            }
        }.start()
    }

    private func deliver(_ signal: Int32) {
        let handlers = state.withLock { state -> [() -> Void] in
            if state.signal == nil { state.signal = signal }
            return Array(state.handlers.values)
        }
        handlers.forEach { $0() }
    }

    /// The first signal received, if any.
    public var pendingSignal: Int32? { state.current.signal }

    /// The error to stop with, once a signal has arrived.
    public var interruption: GoverError? { pendingSignal.map { .interrupted(signal: $0) } }

    /// Runs `handler` on the next signal (at once if one already arrived) while `body` runs.
    public func whileRunning<T>(onInterrupt handler: @escaping () -> Void, _ body: () throws -> T) rethrows -> T {
        let (token, fired) = state.withLock { state -> (Int, Bool) in
            let token = state.nextToken
            state.nextToken += 1
            state.handlers[token] = handler
            return (token, state.signal != nil)
        }
        if fired { handler() }
        defer { _ = state.withLock { $0.handlers.removeValue(forKey: token) } }
        return try body()
    }
}
