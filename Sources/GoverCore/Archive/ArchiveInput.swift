import CLibArchive

/// Holds the bytes handed to libarchive: they must stay valid until its next read call.
final class ReadContext {
    let source: ByteSource
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    var failure: Error?

    init(source: ByteSource) {
        self.source = source
    }

    deinit { buffer.deallocate() }

    /// Opens `reader` on this context's source.
    func open(_ reader: OpaquePointer) -> Bool {
        gover_archive_read_open(reader, Unmanaged.passUnretained(self).toOpaque(), nil, readCallback, nil) == ARCHIVE_OK
    }
}

func readCallback(_ archive: OpaquePointer?, _ context: UnsafeMutableRawPointer?,
                          _ output: UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t {
    let input = Unmanaged<ReadContext>.fromOpaque(context!).takeUnretainedValue()
    do {
        // From a pipe, libarchive reads the pipe's own storage: no copy of the stream (the
        // bytes stay lent until this callback runs again, as libarchive requires).
        if let pipe = input.source as? StreamBuffer {
            let bytes = try pipe.borrow(maximum: input.buffer.count)
            output?.pointee = bytes.baseAddress
            return la_ssize_t(bytes.count)
        }
        let count = try input.source.read(into: input.buffer)
        output?.pointee = UnsafeRawPointer(input.buffer.baseAddress)
        return la_ssize_t(count)
    } catch {
        input.failure = error
        return -1
    }
}
