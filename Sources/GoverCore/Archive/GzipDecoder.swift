import CLibArchive

/// The gzip inflaters gover can use: ISA-L's igzip (about 2.2× zlib here, optional at run
/// time) and zlib through libarchive's gzip filter (always there).
public enum Inflater: String, Sendable, CaseIterable {
    case zlib, isal

    /// `GOVER_INFLATE=zlib|isal` forces one (tests, benchmarks); unset or empty: the fastest
    /// available. Anything else is refused like any other malformed variable.
    public static func preference(in environment: [String: String]) throws(GoverError) -> Inflater? {
        guard let text = environment["GOVER_INFLATE"], !text.isEmpty else { return nil }
        guard let choice = Inflater(rawValue: text) else {
            throw GoverError.invalidEnvironment(name: "GOVER_INFLATE", value: text, expected: "zlib or isal")
        }
        return choice
    }

    /// The inflater an install uses for `preference` (nil: the fastest available), and why
    /// ISA-L was not available when it was asked for explicitly. Opens libisal on first call.
    public static func resolve(_ preference: Inflater?) -> (inflater: Inflater, isalUnavailable: String?) {
        if preference == .zlib { return (.zlib, nil) }
        #if os(Linux)
        if let reason = gover_isal_load_error() {
            return (.zlib, preference == .isal ? String(cString: reason) : nil)
        }
        return (.isal, nil)
        #else
        return (.zlib, preference == .isal ? "ISA-L is used on Linux only" : nil)
        #endif
    }
}

/// Inflates a gzip stream on its own thread, so that decompression (the largest CPU cost
/// of an install: ~1 s of zlib for a Go archive) overlaps the tar parsing and file writes of
/// the extractor instead of taking turns with them on one core.
///
/// ISA-L's `isal_inflate` when libisal.so.2 loads (see `Inflater.resolve`), else libarchive's
/// gzip filter (zlib). Both behave alike: concatenated gzip members are inflated in turn,
/// bytes after the last member that do not start another one are ignored, and input that
/// is not gzip at all is passed through unchanged (libarchive's "raw" format does that; the
/// tar parser then refuses it).
public enum GzipDecoder {
    /// Reads gzip data from `source` and writes the inflated bytes into `sink` until the
    /// compressed stream ends, or the reader of `sink` closes it (the tar stream has ended:
    /// whatever follows is never inflated, only read), then reads `source` to its end (the
    /// download must finish for its digest). Returns early, without error, if `sink` is
    /// cancelled. More than `limit` inflated bytes is a decompression bomb, whatever the
    /// tar headers declare.
    public static func decode(from source: ByteSource, into sink: StreamBuffer, limit: Int64 = .max,
                              using inflater: Inflater = .zlib) throws {
        switch inflater {
        case .zlib: try inflateWithZlib(from: source, into: sink, limit: limit)
        case .isal:
            #if os(Linux)
            try inflateWithISAL(from: source, into: sink, limit: limit)
            #else
            try inflateWithZlib(from: source, into: sink, limit: limit)
            #endif
        }
    }

    static func bomb(_ limit: Int64) -> GoverError {
        GoverError.unsafeArchive(entry: "(the compressed stream)", reason: "expands past \(formatBytes(limit)) (a decompression bomb?)")
    }

    private static func inflateWithZlib(from source: ByteSource, into sink: StreamBuffer, limit: Int64) throws {
        try ArchiveLibrary.require()
        guard let reader = gover_archive_read_new() else { throw ArchiveExtractor.corrupt("libarchive could not start") }
        defer { gover_archive_read_free(reader) }
        gover_archive_read_support_filter_gzip(reader)
        gover_archive_read_support_format_raw(reader)

        let input = ReadContext(source: source)
        guard input.open(reader) else { throw input.failure ?? ArchiveExtractor.corrupt(ArchiveExtractor.message(reader)) }
        var entry: OpaquePointer?
        let header = gover_archive_read_next_header(reader, &entry)
        if header == ARCHIVE_EOF { throw ArchiveExtractor.corrupt("the archive is empty") }
        if header < ARCHIVE_WARN { throw input.failure ?? ArchiveExtractor.corrupt(ArchiveExtractor.message(reader)) }

        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        defer { chunk.deallocate() }
        var inflated: Int64 = 0
        while true {
            let count = gover_archive_read_data(reader, chunk.baseAddress, chunk.count)
            if count == 0 { break }
            if count < 0 { throw input.failure ?? ArchiveExtractor.corrupt(ArchiveExtractor.message(reader)) }
            inflated += Int64(count)
            if inflated > limit { throw bomb(limit) }
            if !sink.write(UnsafeRawBufferPointer(rebasing: chunk[..<Int(count)])) {
                if sink.isClosedByReader { break }
                return
            }
        }
        try source.drain()
    }

    #if os(Linux)
    /// The compressed bytes not yet handed to ISA-L, refilled from the source.
    private struct Input {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        var ended = false

        /// Makes at least `wanted` unread bytes available at `next` (fewer only once the source
        /// has ended). From the download pipe, ISA-L reads the pipe's own storage whenever the
        /// previous bytes are used up: no copy of the compressed stream on the thread that
        /// bounds an install. They are lent until the next borrow, which only this refill makes.
        /// Otherwise (another source, or a gzip signature split between two reads) the unread
        /// bytes move to the front of `buffer` and reads append to them.
        mutating func refill(from source: ByteSource, next: inout UnsafeMutablePointer<UInt8>?,
                             available: inout UInt32, wanted: Int) throws {
            if Int(available) >= wanted { return }
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            if available == 0, let pipe = source as? StreamBuffer {
                let lent = try pipe.borrow(maximum: buffer.count)
                if lent.count >= wanted, let start = lent.baseAddress {
                    next = UnsafeMutablePointer(mutating: start.assumingMemoryBound(to: UInt8.self))
                    available = UInt32(lent.count)
                    return
                }
                if lent.count == 0 { ended = true }
                // Copied before the next read hands the lent bytes back.
                if lent.count > 0 { UnsafeMutableRawPointer(base).copyMemory(from: lent.baseAddress!, byteCount: lent.count) }
                next = base
                available = UInt32(lent.count)
            }
            var count = Int(available)
            if count > 0, let next, next != base { UnsafeMutableRawPointer(base).copyMemory(from: next, byteCount: count) }
            while count < wanted && !ended {
                let read = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
                if read == 0 { ended = true } else { count += read }
            }
            next = base
            available = UInt32(count)
        }
    }

    /// ISA-L's streaming inflate, gzip header and CRC-32 checked by the library
    /// (`crc_flag = ISAL_GZIP`); members are inflated one after the other, as zlib does.
    private static func inflateWithISAL(from source: ByteSource, into sink: StreamBuffer, limit: Int64) throws {
        // ~100 kB of tables and window: on the heap, not this thread's stack.
        let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
        defer { state.deallocate() }
        var input = Input()
        defer { input.buffer.deallocate() }

        var inflated: Int64 = 0
        var members = 0
        var available: UInt32 = 0
        var next: UnsafeMutablePointer<UInt8>?
        inflating: while true {
            // A member starts here: a gzip signature, or the end of what is worth inflating.
            try input.refill(from: source, next: &next, available: &available, wanted: 3)
            let isGzip = available >= 3 && next![0] == 0x1f && next![1] == 0x8b && next![2] == 8
            if !isGzip {
                if members > 0 { break }
                if available == 0 { throw ArchiveExtractor.corrupt("the archive is empty") }
                // Not gzip at all: passed on as it is, like libarchive's "raw" format does.
                while available > 0 {
                    inflated += Int64(available)
                    if inflated > limit { throw bomb(limit) }
                    if !sink.write(UnsafeRawBufferPointer(start: next, count: Int(available))) {
                        if sink.isClosedByReader { break inflating }
                        return
                    }
                    available = 0
                    try input.refill(from: source, next: &next, available: &available, wanted: 1)
                }
                break
            }
            members += 1
            gover_isal_inflate_init(state)
            state.pointee.crc_flag = UInt32(ISAL_GZIP)
            while true {
                if available == 0 { try input.refill(from: source, next: &next, available: &available, wanted: 1) }
                var produced = 0
                var consumed: UInt32 = 0
                // ISA-L inflates straight into the pipe's free space: no copy of the tar stream.
                let open = try sink.fill(maximum: 256 << 10) { space in
                    state.pointee.next_in = next
                    state.pointee.avail_in = available
                    state.pointee.next_out = space.baseAddress!.assumingMemoryBound(to: UInt8.self)
                    state.pointee.avail_out = UInt32(space.count)
                    let status = gover_isal_inflate(state)
                    if status != ISAL_DECOMP_OK { throw ArchiveExtractor.corrupt(isalMessage(status)) }
                    consumed = available - state.pointee.avail_in
                    next = state.pointee.next_in
                    available = state.pointee.avail_in
                    produced = space.count - Int(state.pointee.avail_out)
                    inflated += Int64(produced)
                    if inflated > limit { throw bomb(limit) }
                    return produced
                }
                if !open {
                    if sink.isClosedByReader { break inflating }
                    return
                }
                if state.pointee.block_state == ISAL_BLOCK_FINISH { break }
                if produced == 0 && consumed == 0 {
                    // With room for output, ISA-L returns only once its input is used up.
                    if input.ended { throw ArchiveExtractor.corrupt("truncated gzip input") }
                    if available > 0 { throw ArchiveExtractor.corrupt("ISA-L stopped inflating") }
                }
            }
        }
        try source.drain()
    }

    private static func isalMessage(_ status: Int32) -> String {
        switch status {
        case ISAL_INVALID_BLOCK: "invalid deflate block"
        case ISAL_INVALID_SYMBOL: "invalid deflate symbol"
        case ISAL_INVALID_LOOKBACK: "invalid deflate distance"
        case ISAL_INVALID_WRAPPER: "invalid gzip header"
        case ISAL_UNSUPPORTED_METHOD: "unsupported gzip compression method"
        case ISAL_INCORRECT_CHECKSUM: "gzip CRC mismatch"
        case ISAL_NEED_DICT: "a preset dictionary is required"
        default: "gzip data error \(status)"
        }
    }
    #endif
}
