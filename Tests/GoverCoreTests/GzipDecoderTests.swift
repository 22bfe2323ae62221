import Foundation
import Testing
@testable import GoverCore

/// Both inflaters on real gzip data (made by /bin/gzip): same bytes out, same refusals, the
/// byte limit, multi-member streams and the stop after the reader closes the pipe.
@Suite("GzipDecoder with zlib and ISA-L")
struct GzipDecoderTests {
    static let isalLoads = Inflater.resolve(nil).inflater == .isal

    /// Both inflaters; where libisal.so.2 does not load, the ISA-L cases fail saying so
    /// (scripts/setup installs it) rather than pass without running.
    static let inflaters = Inflater.allCases

    /// A source that hands out at most `chunk` bytes per read and remembers whether it was
    /// read to its end (the download must be, for its digest).
    final class ChunkedSource: ByteSource, @unchecked Sendable {
        private var remaining: ArraySlice<UInt8>
        private let chunk: Int
        private(set) var reachedEnd = false

        init(_ bytes: [UInt8], chunk: Int) {
            remaining = bytes[...]
            self.chunk = chunk
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = min(buffer.count, remaining.count, chunk)
            if count == 0 { reachedEnd = true }
            remaining.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            remaining = remaining.dropFirst(count)
            return count
        }
    }

    static func gzip(_ data: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", "-6"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread { input.fileHandleForWriting.write(Data(data)); try? input.fileHandleForWriting.close() }
        writer.start()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](compressed)
    }

    /// Text-like data that compresses a little, not zeros: long matches and literals both.
    static func sample(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        while bytes.count < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let word = "word\(state >> 58) "
            bytes.append(contentsOf: word.utf8.prefix(count - bytes.count))
        }
        return bytes
    }

    struct Outcome {
        var output: [UInt8] = []
        var error: Error?
        var sourceDrained = false
    }

    /// Where the compressed bytes come from: a plain source, or (as in an install) a pipe that
    /// another thread writes `chunk` bytes at a time, small enough that its ring wraps often.
    /// From a pipe, ISA-L inflates from the pipe's storage, lent piece by piece.
    enum Feed: Equatable {
        case reads, pipe
        /// A pipe of this capacity, filled with the first `chunk` bytes before the decoder
        /// starts (with `chunk` ≥ `capacity`, its first read is the first `min(capacity, 1 MiB)`
        /// bytes exactly).
        case fullRing(capacity: Int)

        static let allCases: [Feed] = [.reads, .pipe]
    }

    /// Runs the decoder on its own thread, as the installer does, reading the pipe here;
    /// `closeAfter` closes the pipe once that many bytes were read (the tar end marker).
    static func inflate(_ gzip: [UInt8], with inflater: Inflater, chunk: Int = 65_536, limit: Int64 = .max,
                        closeAfter: Int? = nil, feed: Feed = .reads) -> Outcome {
        let chunked = ChunkedSource(gzip, chunk: chunk)
        let source: ByteSource
        var producer: DetachedThread?
        switch feed {
        case .reads:
            source = chunked
        case .pipe, .fullRing:
            var capacity = 65_537
            if case .fullRing(let size) = feed {
                capacity = size
            }
            let pipe = StreamBuffer(capacity: capacity)
            source = pipe
            if case .fullRing = feed {
                let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
                defer { piece.deallocate() }
                let count = (try? chunked.read(into: piece)) ?? 0
                _ = pipe.write(UnsafeRawBufferPointer(rebasing: piece[..<count]))
            }
            producer = DetachedThread {
                let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 1)
                defer { piece.deallocate() }
                while let count = try? chunked.read(into: piece), count > 0 {
                    if !pipe.write(UnsafeRawBufferPointer(rebasing: piece[..<count])) { return }
                }
                pipe.finish()
            }
            producer?.start()
        }
        let sink = StreamBuffer(capacity: 1 << 20)
        nonisolated(unsafe) var failure: Error?
        let decoder = DetachedThread {
            do {
                try GzipDecoder.decode(from: source, into: sink, limit: limit, using: inflater)
                sink.finish()
            } catch {
                failure = error
                sink.finish(error: error)
            }
        }
        decoder.start()
        var outcome = Outcome()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 100_003, alignment: 1)
        defer { buffer.deallocate() }
        do {
            while true {
                if let closeAfter, outcome.output.count >= closeAfter {
                    sink.closeReading()
                    break
                }
                let count = try sink.read(into: buffer)
                if count == 0 { break }
                outcome.output.append(contentsOf: buffer[..<count])
            }
        } catch {}
        decoder.join()
        outcome.error = failure
        outcome.sourceDrained = chunked.reachedEnd
        if let pipe = source as? StreamBuffer {
            if (try? pipe.borrow(maximum: 1).count) != 0 { outcome.sourceDrained = false }
            // After a refusal nothing reads the pipe: a producer waiting for room stops.
            pipe.cancel(CancellationError())
        }
        producer?.join()
        outcome.sourceDrained = outcome.sourceDrained && chunked.reachedEnd
        return outcome
    }

    @Test("a stream inflates to the same bytes, read in any chunking, from a source or a pipe",
          arguments: inflaters, [1, 4093, 1 << 20])
    func roundTrip(inflater: Inflater, chunk: Int) throws {
        try #require(inflater == .zlib || Self.isalLoads, "libisal.so.2 does not load here (scripts/setup installs it)")
        let data = Self.sample(chunk == 1 ? 200_000 : 3_000_000, seed: 7)
        let gzip = try Self.gzip(data)
        for feed in Feed.allCases {
            let outcome = Self.inflate(gzip, with: inflater, chunk: chunk, feed: feed)
            #expect(outcome.error == nil, "\(feed): \(String(describing: outcome.error))")
            #expect(outcome.output == data, "\(feed)")
            #expect(outcome.sourceDrained, "\(feed)")
        }
    }

    @Test("concatenated members inflate in turn; bytes that start no member are ignored", arguments: inflaters)
    func members(inflater: Inflater) throws {
        try #require(inflater == .zlib || Self.isalLoads, "libisal.so.2 does not load here")
        let first = Self.sample(700_000, seed: 1), second = Self.sample(300_001, seed: 2), third = [UInt8](repeating: 0, count: 5)
        let stream = try Self.gzip(first) + Self.gzip(second) + Self.gzip(third) + Array("trailing garbage".utf8)
        // Chunks of 1 and 2 bytes split every gzip signature between two reads of the pipe.
        for chunk in [1, 2, 65_536] {
            for feed in Feed.allCases {
                let outcome = Self.inflate(stream, with: inflater, chunk: chunk, feed: feed)
                #expect(outcome.error == nil, "chunk \(chunk), \(feed): \(String(describing: outcome.error))")
                #expect(outcome.output == first + second + third, "chunk \(chunk), \(feed)")
                #expect(outcome.sourceDrained, "chunk \(chunk), \(feed)")
            }
        }
    }

    /// ISA-L inflates from the pipe's storage, lent one contiguous piece at a time. Here the
    /// first member fills the first lent piece exactly (1 MiB, padded with a gzip comment)
    /// and the ring ends 2 bytes later: the next member's signature is lent split, 2 bytes
    /// then the rest, and must be read whole.
    @Test("a gzip signature split by the end of the pipe's ring is read whole", arguments: inflaters)
    func signatureAcrossRingEnd(inflater: Inflater) throws {
        try #require(inflater == .zlib || Self.isalLoads, "libisal.so.2 does not load here")
        let first = Self.sample(200_000, seed: 8), second = Self.sample(100_000, seed: 9)
        var member = try Self.gzip(first)
        let padding = (1 << 20) - member.count - 1
        try #require(padding > 0 && member[3] == 0, "gzip wrote header flags this test does not expect")
        member[3] |= 0x10  // FCOMMENT: a zero-terminated comment follows the 10-byte header
        member.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "c"), count: padding) + [0], at: 10)
        #expect(member.count == 1 << 20)
        let ring = (1 << 20) + 2
        let outcome = Self.inflate(member + (try Self.gzip(second)), with: inflater, chunk: ring, feed: .fullRing(capacity: ring))
        #expect(outcome.error == nil, "\(String(describing: outcome.error))")
        let whole = outcome.output == first + second
        #expect(whole, "\(outcome.output.count) bytes out of \(first.count + second.count)")
        #expect(outcome.sourceDrained)
    }

    @Test("corrupt and truncated gzip never pass for the original", arguments: inflaters)
    func broken(inflater: Inflater) throws {
        try #require(inflater == .zlib || Self.isalLoads, "libisal.so.2 does not load here")
        let data = Self.sample(1_000_000, seed: 3)
        let compressed = try Self.gzip(data)
        var corrupt = compressed
        for index in compressed.count / 2 ..< compressed.count / 2 + 64 { corrupt[index] ^= 0x5a }
        let truncated = Array(compressed.prefix(compressed.count - 100))
        var badCRC = compressed
        badCRC[compressed.count - 6] ^= 1
        for (name, stream) in [("corrupt", corrupt), ("truncated", truncated), ("bad CRC", badCRC)] {
          for feed in Feed.allCases {
            let outcome = Self.inflate(stream, with: inflater, feed: feed)
            if case .corruptArchive? = outcome.error as? GoverError { continue }
            // libarchive's gzip filter does not check the CRC, and a damaged block may still
            // inflate (to wrong bytes): the install's digest check is what refuses those.
            // ISA-L checks the CRC, so it must refuse all three.
            #expect(inflater == .zlib && (name == "bad CRC" || (name == "corrupt" && outcome.output != data)),
                    "\(name), \(feed): expected a corrupt-archive error, got \(String(describing: outcome.error))")
          }
        }
        for feed in Feed.allCases {
            #expect(Self.inflate([], with: inflater, feed: feed).error != nil, "an empty stream is an error (\(feed))")
        }
    }

    @Test("more than the limit is a decompression bomb", arguments: inflaters)
    func limit(inflater: Inflater) throws {
        try #require(inflater == .zlib || Self.isalLoads, "libisal.so.2 does not load here")
        let zeros = try Self.gzip([UInt8](repeating: 0, count: 8 << 20))
        let outcome = Self.inflate(zeros, with: inflater, limit: 1 << 20)
        guard case .unsafeArchive(_, let reason)? = outcome.error as? GoverError else {
            Issue.record("expected a bomb refusal, got \(String(describing: outcome.error))")
            return
        }
        #expect(reason.contains("decompression bomb"))
        #expect(Self.inflate(zeros, with: inflater, limit: 8 << 20).error == nil, "exactly the limit is allowed")
    }

    @Test("once the reader closes the pipe, nothing more is inflated but the source is read to its end",
          arguments: inflaters)
    func closedByReader(inflater: Inflater) throws {
        try #require(inflater == .zlib || Self.isalLoads, "libisal.so.2 does not load here")
        let data = Self.sample(1_000_000, seed: 4)
        // 1 GiB of zeros after the data, under a 64 MiB limit: inflating it would be refused.
        var stream = try Self.gzip(data)
        let zeros = try Self.gzip([UInt8](repeating: 0, count: 64 << 20))
        for _ in 0..<16 { stream += zeros }
        for feed in Feed.allCases {
            let outcome = Self.inflate(stream, with: inflater, limit: 64 << 20, closeAfter: data.count, feed: feed)
            #expect(outcome.error == nil, "\(feed): \(String(describing: outcome.error))")
            #expect(outcome.output.prefix(data.count) == data[...], "\(feed)")
            #expect(outcome.sourceDrained, "\(feed)")
        }
    }

    @Test("input that is not gzip passes through unchanged, as libarchive's raw format does", arguments: inflaters)
    func notGzip(inflater: Inflater) throws {
        try #require(inflater == .zlib || Self.isalLoads, "libisal.so.2 does not load here")
        let plain = Self.sample(300_000, seed: 5)
        for feed in Feed.allCases {
            let outcome = Self.inflate(plain, with: inflater, chunk: 4093, feed: feed)
            #expect(outcome.error == nil, "\(feed): \(String(describing: outcome.error))")
            #expect(outcome.output == plain, "\(feed)")
        }
    }

    @Test("GOVER_INFLATE picks the inflater; anything else is refused")
    func preference() throws {
        #expect(try Inflater.preference(in: [:]) == nil)
        #expect(try Inflater.preference(in: ["GOVER_INFLATE": ""]) == nil)
        #expect(try Inflater.preference(in: ["GOVER_INFLATE": "zlib"]) == .zlib)
        #expect(try Inflater.preference(in: ["GOVER_INFLATE": "isal"]) == .isal)
        #expect(throws: GoverError.self) { try Inflater.preference(in: ["GOVER_INFLATE": "igzip"]) }
        let forcedZlib = Inflater.resolve(.zlib)
        #expect(forcedZlib.inflater == .zlib && forcedZlib.isalUnavailable == nil)
    }
}
