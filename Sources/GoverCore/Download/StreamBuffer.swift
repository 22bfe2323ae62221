/// A bounded byte pipe between the download thread (producer) and the extractor
/// (consumer). The producer blocks when it is full, the consumer when it is empty; either
/// side, or a signal, can cancel it, which wakes both.
public final class StreamBuffer: @unchecked Sendable {
    private let capacity: Int
    private let storage: UnsafeMutableRawPointer
    private var start = 0
    private var count = 0
    private var finished = false
    private var producerError: Error?
    private var cancellation: Error?
    private var readerClosed = false
    /// Bytes at `start` lent out by `borrow()`: still counted, so the producer leaves them be.
    private var borrowed = 0
    private var mutex = pthread_mutex_t()
    private var readable = pthread_cond_t()
    private var writable = pthread_cond_t()

    public init(capacity: Int = 4 << 20) {
        self.capacity = capacity
        storage = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&readable, nil)
        pthread_cond_init(&writable, nil)
    }

    deinit {
        storage.deallocate()
        pthread_cond_destroy(&readable)
        pthread_cond_destroy(&writable)
        pthread_mutex_destroy(&mutex)
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    /// Appends all of `bytes`, waiting for room. Returns false once the pipe is cancelled.
    public func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while offset < bytes.count {
            while count == capacity && cancellation == nil && !readerClosed { pthread_cond_wait(&writable, &mutex) }
            if cancellation != nil || readerClosed { return false }
            let end = (start + count) % capacity
            let contiguous = min(capacity - count, capacity - end, bytes.count - offset)
            (storage + end).copyMemory(from: bytes.baseAddress! + offset, byteCount: contiguous)
            count += contiguous
            offset += contiguous
            pthread_cond_signal(&readable)
        }
        return true
    }

    /// Lets the producer write straight into the pipe (no buffer of its own, no copy): waits
    /// for room, hands `body` the contiguous free space (at most `maximum` bytes), and makes
    /// the first bytes `body` says it wrote readable. Returns false, keeping nothing, once the
    /// pipe is cancelled or closed by the reader. One producer only: `body` runs unlocked, on
    /// space the consumer never reads.
    public func fill(maximum: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Bool {
        pthread_mutex_lock(&mutex)
        while count == capacity && cancellation == nil && !readerClosed { pthread_cond_wait(&writable, &mutex) }
        if cancellation != nil || readerClosed {
            pthread_mutex_unlock(&mutex)
            return false
        }
        let end = (start + count) % capacity
        let space = UnsafeMutableRawBufferPointer(start: storage + end, count: min(capacity - count, capacity - end, maximum))
        pthread_mutex_unlock(&mutex)
        // The consumer moves `start` and `count` together, so `end` stays where it was.
        let written = try body(space)
        precondition(written >= 0 && written <= space.count, "StreamBuffer.fill: \(written) of \(space.count) bytes")
        return locked {
            if cancellation != nil || readerClosed { return false }
            count += written
            if written > 0 { pthread_cond_signal(&readable) }
            return true
        }
    }

    /// Ends the stream: cleanly (`error == nil`) or with the producer's failure, which the
    /// consumer receives once it has read what came before it.
    public func finish(error: Error? = nil) {
        locked {
            finished = true
            producerError = error
            pthread_cond_broadcast(&readable)
        }
    }

    /// The consumer needs no more bytes (the tar stream has ended): the producer's next
    /// write returns false and `isClosedByReader` tells it why, so it can stop producing
    /// without treating it as a failure.
    public func closeReading() {
        locked {
            readerClosed = true
            count = 0
            borrowed = 0
            pthread_cond_broadcast(&writable)
        }
    }

    public var isClosedByReader: Bool { locked { readerClosed } }

    /// Stops both sides: the producer's next write returns false, the consumer's next read throws `error`.
    public func cancel(_ error: Error) {
        locked {
            if cancellation == nil { cancellation = error }
            pthread_cond_broadcast(&readable)
            pthread_cond_broadcast(&writable)
        }
    }

    public var isCancelled: Bool { locked { cancellation != nil } }

    /// Hands back what `borrow()` lent. Called with the lock held.
    private func releaseBorrowed() {
        guard borrowed > 0 else { return }
        start = (start + borrowed) % capacity
        count -= borrowed
        borrowed = 0
        pthread_cond_signal(&writable)
    }

    /// Lends the consumer up to `maximum` readable bytes in place (no copy); they stay valid,
    /// and the producer keeps off them, until the next `borrow`, `read` or `closeReading`.
    /// Empty means the stream ended cleanly.
    public func borrow(maximum: Int) throws -> UnsafeRawBufferPointer {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        releaseBorrowed()
        while count == 0 && !finished && cancellation == nil { pthread_cond_wait(&readable, &mutex) }
        if let cancellation { throw cancellation }
        if count == 0 {
            if let producerError { throw producerError }
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        borrowed = min(count, capacity - start, maximum)
        return UnsafeRawBufferPointer(start: storage + start, count: borrowed)
    }

    /// Copies up to `buffer.count` bytes out; 0 means the stream ended cleanly.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let bytes = try borrow(maximum: buffer.count)
        guard bytes.count > 0 else { return 0 }
        // Lent bytes are the consumer's alone: the copy needs no lock.
        buffer.copyMemory(from: bytes)
        locked { releaseBorrowed() }
        return bytes.count
    }
}
