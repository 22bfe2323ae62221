import CLibArchive

/// Inflates a gzip stream on its own thread, so that decompression (the largest CPU cost
/// of an install: ~1 s for a Go archive) overlaps the tar parsing and file writes of the
/// extractor instead of taking turns with them on one core.
///
/// libarchive does the work (its gzip filter under the "raw" format), so no other C
/// library is needed.
public enum GzipDecoder {
    /// Reads gzip data from `source` and writes the inflated bytes into `sink` until the
    /// compressed stream ends, or the reader of `sink` closes it (the tar stream has ended:
    /// whatever follows is never inflated, only read), then reads `source` to its end (the
    /// download must finish for its digest). Returns early, without error, if `sink` is
    /// cancelled. More than `limit` inflated bytes is a decompression bomb, whatever the
    /// tar headers declare.
    public static func decode(from source: ByteSource, into sink: StreamBuffer, limit: Int64 = .max) throws {
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
            if inflated > limit {
                throw GoverError.unsafeArchive(entry: "(the compressed stream)", reason: "expands past \(formatBytes(limit)) (a decompression bomb?)")
            }
            if !sink.write(UnsafeRawBufferPointer(rebasing: chunk[..<Int(count)])) {
                if sink.isClosedByReader { break }
                return
            }
        }
        try source.drain()
    }
}
