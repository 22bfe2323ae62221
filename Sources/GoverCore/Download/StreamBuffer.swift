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

    /// Copies up to `buffer.count` bytes out; 0 means the stream ended cleanly.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while count == 0 && !finished && cancellation == nil { pthread_cond_wait(&readable, &mutex) }
        if let cancellation { throw cancellation }
        if count == 0 {
            if let producerError { throw producerError }
            return 0
        }
        let contiguous = min(count, capacity - start, buffer.count)
        buffer.baseAddress!.copyMemory(from: storage + start, byteCount: contiguous)
        start = (start + contiguous) % capacity
        count -= contiguous
        pthread_cond_signal(&writable)
        return contiguous
    }
}
