/// A thread outside Swift's cooperative pool, for blocking C calls (libcurl's transfer).
/// The pool has only as many threads as cores (2 here), so blocking it stalls everything.
final class DetachedThread: @unchecked Sendable {
    private var thread: pthread_t?
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
    }

    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, detachedThreadEntry, context)
        precondition(result == 0, "pthread_create failed: \(result)")
        thread = handle
    }

    func join() {
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    fileprivate func run() { body() }
}

// A plain function, not a closure literal: a closure written in top-level or main-actor code
// would inherit that isolation and trap when run on another thread.
private func detachedThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let thread = Unmanaged<DetachedThread>.fromOpaque(context!).takeRetainedValue()
    thread.run()
    return nil
}

/// Work started on its own thread, for the caller to wait for.
public final class BackgroundWork: @unchecked Sendable {
    private let thread: DetachedThread

    init(_ body: @escaping () -> Void) {
        thread = DetachedThread(body)
        thread.start()
    }

    public func wait() { thread.join() }
}
