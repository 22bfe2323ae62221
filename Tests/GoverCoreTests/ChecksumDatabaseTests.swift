import Crypto
import Testing
@testable import GoverCore

// Vectors marked "x/mod" are copied from golang.org/x/mod's tests (sumdb/note/note_test.go,
// sumdb/tlog/note_test.go, sumdb/tlog/tlog_test.go, sumdb/tlog/tile_test.go,
// sumdb/dirhash/hash_test.go, sumdb/client_test.go), so a bug shared by gover's signer and
// verifier, or its hasher and checker, cannot hide.

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The reason of a `checksumDatabaseRejected`, or a description of what else happened.
private func rejection(_ body: () throws -> Any?) -> String {
    do {
        let value = try body()
        return "no error: \(String(describing: value))"
    } catch GoverError.checksumDatabaseRejected(_, let reason) {
        return reason
    } catch {
        return "unexpected: \(error)"
    }
}

// x/mod note_test.go
private let peterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
private let peterSignerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
private let enochKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
private let noteText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
private let peterSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
private let enochSig = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
private let peter = NoteSignature(name: "PeterNeumann", keyHash: 0xc74f20a3,
                                  base64: "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")
private let enoch = NoteSignature(name: "EnochRoot", keyHash: 0xaf0cfe78,
                                  base64: "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=")

/// `s[..<n] + insert + s[n...]` counted in UTF-8 bytes, as Go slices strings.
private func spliceBytes(_ text: String, at offset: Int, _ insert: String) -> String {
    let utf8 = Array(text.utf8)
    return String(decoding: utf8[..<offset] + Array(insert.utf8) + utf8[offset...], as: UTF8.self)
}

@Suite("Checksum database: base64 and signed notes (x/mod sumdb/note)")
struct ChecksumDatabaseNoteTests {
    @Test("base64 round-trips and refuses what Go's StdEncoding refuses")
    func base64() {
        for length in 0..<40 {
            let data = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(data)) == data)
        }
        #expect(Base64.encode(bytes("hello")) == "aGVsbG8=")
        for bad in ["aGVsbG8", "aGVsbG8==", "aGV=bG8=", "aGVs\nbG8=", "aGVsbG8*", "=AAA", "A===", "aGVsbG8= "] {
            #expect(Base64.decode(bad) == nil, "\(bad)")
        }
    }

    @Test("NewVerifier accepts the PeterNeumann key and refuses every substring and one-byte change (x/mod)")
    func newVerifier() throws {
        let verifier = try NoteVerifier(verifierKey: peterKey)
        #expect(verifier.name == "PeterNeumann")
        #expect(verifier.keyHash == 0xc74f20a3)
        var key = bytes(peterKey)
        for i in 0...key.count {
            for j in (i + 1)..<(key.count + 1) where i != 0 || j != key.count {
                let candidate = String(decoding: key[i..<j], as: UTF8.self)
                #expect(throws: GoverError.self, "\(candidate)") { try NoteVerifier(verifierKey: candidate) }
            }
        }
        for i in 0..<key.count {
            key[i] &+= 1
            let candidate = String(decoding: key, as: UTF8.self)
            #expect(throws: GoverError.self, "\(candidate)") { try NoteVerifier(verifierKey: candidate) }
            key[i] &-= 1
        }
        // Wrong key length and unknown algorithm, each with a key hash that matches (x/mod).
        #expect(rejection { try NoteVerifier(verifierKey: "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==") }
            == "malformed verifier id")
        #expect(rejection { try NoteVerifier(verifierKey: "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") }
            == "unknown verifier algorithm")
        #expect(rejection { try NoteVerifier(verifierKey: "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW") }
            == "invalid verifier hash")
    }

    @Test("NewSigner accepts the PeterNeumann signer key and refuses every substring and one-byte change (x/mod)")
    func newSigner() throws {
        let signer = try NoteSigner(signerKey: peterSignerKey)
        #expect(signer.verifierKey == peterKey)
        var key = bytes(peterSignerKey)
        for i in 0...key.count {
            for j in (i + 1)..<(key.count + 1) where i != 0 || j != key.count {
                let candidate = String(decoding: key[i..<j], as: UTF8.self)
                #expect(throws: GoverError.self, "\(candidate)") { try NoteSigner(signerKey: candidate) }
            }
        }
        for i in 0..<key.count {
            key[i] &+= 1
            let candidate = String(decoding: key, as: UTF8.self)
            #expect(throws: GoverError.self, "\(candidate)") { try NoteSigner(signerKey: candidate) }
            key[i] &-= 1
        }
    }

    @Test("Sign produces x/mod's signed note, which Open verifies")
    func sign() throws {
        let signer = try NoteSigner(signerKey: peterSignerKey)
        let message = try SignedNote.sign(text: bytes(noteText), signers: [signer])
        #if os(Linux)
        // BoringSSL's Ed25519 is deterministic (RFC 8032), so the signature is x/mod's own.
        // (Apple's CryptoKit randomizes signatures; there only the verification below applies.)
        #expect(message == bytes(noteText + "\n" + peterSig))
        #endif
        let opened = try SignedNote.open(message, verifiers: [NoteVerifier(verifierKey: peterKey)])
        #expect(opened.text == bytes(noteText))
        #expect(rejection { try SignedNote.sign(text: bytes("abc"), signers: [signer]) } == "malformed note")
    }

    @Test("Open: verified, unverified, duplicated and invalid signatures (x/mod)")
    func open() throws {
        let peterVerifier = try NoteVerifier(verifierKey: peterKey)
        let enochVerifier = try NoteVerifier(verifierKey: enochKey)
        let both = bytes(noteText + "\n" + peterSig + enochSig)

        var note = try SignedNote.open(both, verifiers: [peterVerifier])
        #expect(note.text == bytes(noteText))
        #expect(note.signatures == [peter])
        #expect(note.unverifiedSignatures == [enoch])

        note = try SignedNote.open(both, verifiers: [peterVerifier, enochVerifier])
        #expect(note.signatures == [peter, enoch])
        #expect(note.unverifiedSignatures.isEmpty)

        #expect(rejection { try SignedNote.open(both, verifiers: []) } == "note has no verifiable signatures")
        #expect(rejection { try SignedNote.open(bytes(noteText + "\n" + enochSig), verifiers: [enochVerifier, peterVerifier, enochVerifier]) }
            == "ambiguous key EnochRoot+af0cfe78")
        _ = try SignedNote.open(bytes(noteText + "\n" + peterSig), verifiers: [enochVerifier, peterVerifier, enochVerifier])

        // More than 100 signature lines, verified or not.
        let many = bytes(noteText + "\n" + String(repeating: peterSig, count: 101))
        #expect(rejection { try SignedNote.open(many, verifiers: [peterVerifier]) } == "malformed note")
        #expect(rejection { try SignedNote.open(many, verifiers: []) } == "malformed note")

        // A corrupted signature by a known key.
        let corrupt = bytes(noteText + "\n" + spliceBytes(peterSig, at: 60, "ABCD"))
        #expect(rejection { try SignedNote.open(corrupt, verifiers: [peterVerifier]) } == "invalid signature for key PeterNeumann+c74f20a3")

        // Duplicated signature lines count once; an unknown key's corrupt signature is ignored.
        let enochABCD = NoteSignature(name: "EnochRoot", keyHash: 0xaf0cfe78,
                                      base64: "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n" + "ABCD" + "2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=")
        note = try SignedNote.open(bytes(noteText + "\n" + peterSig + peterSig + enochSig + enochSig + spliceBytes(enochSig, at: 60, "ABCD")),
                                   verifiers: [peterVerifier])
        #expect(note.signatures == [peter])
        #expect(note.unverifiedSignatures == [enoch, enochABCD])
    }

    @Test("Open refuses malformed notes (x/mod)", arguments: [
        noteText,
        noteText + "\n",
        noteText + "\n" + String(peterSig.dropLast()),
        "\u{01}" + noteText + "\n" + peterSig,
        noteText + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        noteText + "\n" + peterSig + "Unexpected line.\n",
        // gover's own: a truncated signature, a carriage return, a signature line without a key hash.
        noteText + "\n" + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLL\n",
        noteText + "\n" + String(peterSig.dropLast()) + "\r\n",
        noteText + "\n" + "— PeterNeumann AAAA\n",
        noteText + "\n" + "— PeterNeumann \n",
    ])
    func openMalformed(message: String) throws {
        let verifier = try NoteVerifier(verifierKey: peterKey)
        #expect(rejection { try SignedNote.open(bytes(message), verifiers: [verifier]) } == "malformed note")
    }

    @Test("Open refuses invalid UTF-8 (x/mod's \\xff case)")
    func openInvalidUTF8() throws {
        let verifier = try NoteVerifier(verifierKey: peterKey)
        #expect(rejection { try SignedNote.open([0xFF] + bytes(noteText + "\n" + peterSig), verifiers: [verifier]) } == "malformed note")
    }

    @Test("Open: a signature by another key with our name and key hash is invalid, not ignored")
    func openWrongKeySameHash() throws {
        let verifier = try NoteVerifier(verifierKey: peterKey)
        let otherSigner = try NoteSigner(signerKey: testSignerKey)
        let signature = try otherSigner.privateKey.signature(for: bytes(noteText))
        let forged = "— PeterNeumann " + Base64.encode([0xc7, 0x4f, 0x20, 0xa3] + Array(signature)) + "\n"
        #expect(rejection { try SignedNote.open(bytes(noteText + "\n" + forged), verifiers: [verifier]) }
            == "invalid signature for key PeterNeumann+c74f20a3")
    }
}

@Suite("Checksum database: tree notes and records (x/mod sumdb/tlog/note.go)")
struct ChecksumDatabaseTreeNoteTests {
    private static let golden = "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"

    @Test("FormatTree and ParseTree (x/mod)")
    func tree() throws {
        let hash = TransparencyLog.recordHash(bytes("hello world"))
        #expect(LogTree(size: 123456789012, hash: hash).noteText == bytes(Self.golden))
        for good in [Self.golden, Self.golden + "JOE", Self.golden + "JOE\n", Self.golden + String(repeating: "JOE\n", count: 1000)] {
            #expect(try LogTree(noteText: bytes(good)) == LogTree(size: 123456789012, hash: hash))
        }
    }

    @Test("ParseTree refuses malformed and hostile trees", arguments: [
        "not-" + golden,
        "go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
        "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n",
        // gover's own: hostile numbers, short hashes, missing lines.
        "go.sum database tree\n99999999999999999999\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
        "go.sum database tree\n9223372036854775807\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
        "go.sum database tree\n-1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
        "go.sum database tree\n+5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
        "go.sum database tree\n007\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
        "go.sum database tree\n\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n",
        "go.sum database tree\n5\nAAAA\n",
        "go.sum database tree\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=",
    ])
    func badTree(text: String) {
        #expect(rejection { try LogTree(noteText: bytes(text)) } == "malformed tree note")
    }

    @Test("FormatRecord and ParseRecord (x/mod)")
    func record() throws {
        #expect(try LogRecord.format(id: 123456789012, text: bytes("hello, world\n")) == bytes("123456789012\nhello, world\n\n"))
        for bad in ["", "hello\nworld", "hello\n\nworld\n", "hello\u{01}world\n"] {
            #expect(throws: GoverError.self) { try LogRecord.format(id: 1, text: bytes(bad)) }
        }
        var record = try LogRecord(bytes("123456789012\nhello, world\n\njunk on end\u{01}") + [0xFF])
        #expect(record.id == 123456789012)
        #expect(record.text == bytes("hello, world\n"))
        #expect(record.rest == bytes("junk on end\u{01}") + [0xFF])
        record = try LogRecord(bytes("123456789012\nhello, world\n\n"))
        #expect(record.rest.isEmpty)
    }

    @Test("ParseRecord refuses malformed and hostile records", arguments: [
        bytes("not-123456789012\nhello, world\n\n"),
        bytes("123\nhello\u{01}world\n\n"),
        bytes("123\nhello") + [0xFF] + bytes("world\n\n"),
        bytes("123\nhello world\n"),
        bytes("0x123\nhello world\n\n"),
        // gover's own.
        bytes("99999999999999999999\nhello world\n\n"),
        bytes("-1\nhello world\n\n"),
        bytes("\nhello world\n\n"),
        bytes("12"),
    ])
    func badRecord(message: [UInt8]) {
        #expect(rejection { try LogRecord(message) } == "malformed record data")
    }
}

// MARK: - Trees and tiles

/// A log built in memory, as x/mod's tests build them: the stored hashes, and tiles read from them.
private struct TestLog: LogTileReader {
    var height: Int
    var storage = LogHashStorage()
    var size: Int64 = 0

    mutating func add(_ data: [UInt8]) throws {
        storage.hashes += try TransparencyLog.storedHashes(size, data: data, reader: storage)
        size += 1
    }

    func tree() throws -> LogTree {
        LogTree(size: size, hash: try TransparencyLog.treeHash(size, reader: storage))
    }

    func readTiles(_ tiles: [LogTile]) throws -> [[UInt8]] {
        try tiles.map { try $0.data(from: storage) }
    }
}

/// Serves `log`'s tiles with the bottom-row hashes under storage `index` zeroed (x/mod `zeroIndex`).
private struct TamperedTiles: LogTileReader {
    let log: TestLog
    let index: Int64
    var height: Int { log.height }

    func readTiles(_ tiles: [LogTile]) throws -> [[UInt8]] {
        let (target, start, end) = LogTile.containing(index: index, height: height)
        return try log.readTiles(tiles).enumerated().map { i, data in
            let tile = tiles[i]
            guard tile.height == target.height, tile.level == target.level, tile.number == target.number, end <= data.count
            else { return data }
            var tampered = data
            for j in start..<end { tampered[j] = 0 }
            return tampered
        }
    }
}

private extension LogHash {
    func flippingFirstBit() -> LogHash {
        var copy = bytes
        copy[0] ^= 1
        return LogHash(copy)!
    }
}

@Suite("Checksum database: the transparency log and its tiles (x/mod sumdb/tlog)")
struct ChecksumDatabaseLogTests {
    @Test("Tile paths encode and decode (x/mod tilePaths)", arguments: [
        ("tile/4/0/001", LogTile(height: 4, level: 0, number: 1, width: 16)),
        ("tile/4/0/001.p/5", LogTile(height: 4, level: 0, number: 1, width: 5)),
        ("tile/3/5/x123/x456/078", LogTile(height: 3, level: 5, number: 123456078, width: 8)),
        ("tile/3/5/x123/x456/078.p/2", LogTile(height: 3, level: 5, number: 123456078, width: 2)),
        ("tile/1/0/x003/x057/500", LogTile(height: 1, level: 0, number: 3057500, width: 2)),
        ("tile/1/data/x003/x057/500", LogTile(height: 1, level: -1, number: 3057500, width: 2)),
        ("tile/8/0/x001/234.p/5", LogTile(height: 8, level: 0, number: 1234, width: 5)),
    ])
    func tilePath(path: String, tile: LogTile) throws {
        #expect(tile.path == path)
        #expect(try LogTile(path: path) == tile)
    }

    @Test("Tile paths that are not canonical are refused", arguments: [
        "tile/3/5/123/456/078", "tile/3/-1/123/456/078", "tile/3/5/x123/x456/078.p/8", "tile/3/5/x123/x456/078.p/0",
        "tile/0/0/000", "tile/31/0/000", "tile/8/0/1", "tile/8/0/x000/001", "tile/8/0", "tiles/8/0/000",
        "tile/8/0/x999/x999/x999/x999/x999/x999/x999/999",
    ])
    func badTilePath(path: String) {
        #expect(throws: GoverError.self) { try LogTile(path: path) }
    }

    @Test("SplitStoredHashIndex inverts StoredHashIndex (x/mod)")
    func splitStoredHashIndex() {
        for level in 0..<10 {
            for n in Int64(0)..<100 {
                let index = TransparencyLog.storedHashIndex(level: level, n)
                let (splitLevel, splitN) = TransparencyLog.splitStoredHashIndex(index)
                #expect(splitLevel == level && splitN == n)
            }
        }
    }

    @Test("NewTiles lists the tiles to publish (x/mod TestNewTilesForSize)", arguments: [
        (Int64(1), Int64(1), 0), (100, 101, 1), (1023, 1025, 3), (1024, 1030, 1), (1030, 2000, 1), (1030, 10000, 10),
        (49516517, 49516586, 3),
    ])
    func newTiles(old: Int64, new: Int64, count: Int) {
        #expect(LogTile.newTiles(height: 10, oldSize: old, newSize: new).count == count)
    }

    /// x/mod TestTree: for every tree of 1…100 records, stored hashes, tiles, record and tree
    /// proofs for every record and every prefix, from storage and from authenticated tiles.
    @Test("Trees of 1…100 records: stored hashes, tiles, record and tree proofs (x/mod TestTree)")
    func trees() throws {
        let height = 2
        var storage = LogHashStorage()
        var tiles: [LogTile: [UInt8]] = [:]
        var treeHashes: [LogHash] = []
        var leafHashes: [LogHash] = []
        for i in Int64(0)..<100 {
            let data = bytes("leaf \(i)")
            let oldCount = storage.hashes.count
            storage.hashes += try TransparencyLog.storedHashes(i, data: data, reader: storage)
            leafHashes.append(TransparencyLog.recordHash(data))
            #expect(TransparencyLog.storedHashCount(i + 1) == Int64(storage.hashes.count))
            let treeHash = try TransparencyLog.treeHash(i + 1, reader: storage)

            for tile in LogTile.newTiles(height: height, oldSize: i, newSize: i + 1) {
                let data = try tile.data(from: storage)
                let old = LogTile(height: tile.height, level: tile.level, number: tile.number, width: tile.width - 1)
                let oldData = tiles[old] ?? []
                #expect(oldData.count == data.count - LogHash.size && data.starts(with: oldData), "\(tile.path) extends \(old.path)")
                tiles[tile] = data
            }
            for tile in LogTile.newTiles(height: height, oldSize: 0, newSize: i + 1)
                + LogTile.newTiles(height: height, oldSize: i / 2, newSize: i + 1) {
                #expect(tiles[tile] == (try tile.data(from: storage)), "\(tile.path)")
            }
            // Every new hash is readable from its tile.
            for j in oldCount..<storage.hashes.count {
                let tile = LogTile.containing(index: Int64(j), height: height).tile
                let data = try #require(tiles[tile], "\(tile.path) not yet stored")
                #expect(try tile.hash(at: Int64(j), data: data) == storage.hashes[j])
            }
            treeHashes.append(treeHash)

            // Record proofs from storage, and their corruptions.
            for j in Int64(0)...i {
                var proof = try TransparencyLog.proveRecord(treeSize: i + 1, record: j, reader: storage)
                try TransparencyLog.checkRecord(proof, treeSize: i + 1, treeHash: treeHash, record: j, recordHash: leafHashes[Int(j)])
                for k in proof.indices {
                    let original = proof[k]
                    proof[k] = original.flippingFirstBit()
                    #expect(throws: GoverError.self) {
                        try TransparencyLog.checkRecord(proof, treeSize: i + 1, treeHash: treeHash, record: j, recordHash: leafHashes[Int(j)])
                    }
                    proof[k] = original
                }
            }

            // Through authenticated tiles: reading a record's hash proves it.
            let reader = TileHashReader(tree: LogTree(size: i + 1, hash: treeHash), tiles: MapTiles(height: height, tiles: tiles))
            for j in Int64(0)...i {
                #expect(try reader.readHashes([TransparencyLog.storedHashIndex(level: 0, j)]) == [leafHashes[Int(j)]])
                let proof = try TransparencyLog.proveRecord(treeSize: i + 1, record: j, reader: reader)
                try TransparencyLog.checkRecord(proof, treeSize: i + 1, treeHash: treeHash, record: j, recordHash: leafHashes[Int(j)])
            }
            #expect(throws: GoverError.self) { try reader.readHashes([(i + 1) * 2]) }

            // Tree proofs: computing a prefix's hash from authenticated tiles proves it.
            for j in Int64(0)...i {
                #expect(try TransparencyLog.treeHash(j + 1, reader: reader) == treeHashes[Int(j)])
                var proof = try TransparencyLog.proveTree(treeSize: i + 1, prefix: j + 1, reader: reader)
                try TransparencyLog.checkTree(proof, treeSize: i + 1, treeHash: treeHash, prefix: j + 1, prefixHash: treeHashes[Int(j)])
                for k in proof.indices {
                    let original = proof[k]
                    proof[k] = original.flippingFirstBit()
                    #expect(throws: GoverError.self) {
                        try TransparencyLog.checkTree(proof, treeSize: i + 1, treeHash: treeHash, prefix: j + 1, prefixHash: treeHashes[Int(j)])
                    }
                    proof[k] = original
                }
            }
        }
    }

    /// x/mod TestTileHashReader: every hash reads back, and a tile with any hash zeroed is
    /// refused, whichever hash is asked for.
    @Test("TileHashReader reads every hash and refuses any tampered tile (x/mod TestTileHashReader)")
    func tileHashReaderTampering() throws {
        var log = TestLog(height: 2)
        for _ in 0..<100 {
            try log.add(bytes("leaf \(log.size)"))
            let tree = try log.tree()
            let reader = TileHashReader(tree: tree, tiles: log)
            let all = Array(Int64(0)..<TransparencyLog.storedHashIndex(level: 0, log.size))
            for index in all {
                #expect(try reader.readHashes([index]) == [log.storage.hashes[Int(index)]])
            }
            #expect(try reader.readHashes(all) == Array(log.storage.hashes.prefix(all.count)))
            for index in all {
                let tampered = TileHashReader(tree: tree, tiles: TamperedTiles(log: log, index: index))
                #expect(throws: GoverError.self, "N=\(log.size) tampered=\(index)") { try tampered.readHashes([index]) }
                // Reading everything for every tampered index is quadratic; the small trees cover
                // every tile shape.
                if log.size <= 40 {
                    #expect(throws: GoverError.self, "N=\(log.size) tampered=\(index), all") { try tampered.readHashes(all) }
                }
            }
        }
    }

    @Test("TileHashReader refuses tiles of the wrong length")
    func tileOfWrongLength() throws {
        var log = TestLog(height: 2)
        for _ in 0..<7 { try log.add(bytes("leaf \(log.size)")) }
        struct Short: LogTileReader {
            let log: TestLog
            var height: Int { log.height }
            func readTiles(_ tiles: [LogTile]) throws -> [[UInt8]] { try log.readTiles(tiles).map { Array($0.dropLast()) } }
        }
        let reason = rejection { try TileHashReader(tree: log.tree(), tiles: Short(log: log)).readHashes([0]) }
        #expect(reason.contains("bytes, want"), "\(reason)")
    }
}

private struct MapTiles: LogTileReader {
    let height: Int
    let tiles: [LogTile: [UInt8]]
    func readTiles(_ tiles: [LogTile]) throws -> [[UInt8]] {
        try tiles.map { tile in
            guard let data = self.tiles[tile] else { throw GoverError.httpStatus(url: tile.path, status: 404) }
            return data
        }
    }
}

// MARK: - Module hashes and toolchain modules

@Suite("Checksum database: module hashes (x/mod sumdb/dirhash) and toolchain modules")
struct ChecksumDatabaseModuleTests {
    private func sha256(_ text: String) -> [UInt8] { Array(SHA256.hash(data: bytes(text))) }

    @Test("Hash1 of x/mod's TestHash1 files, in any order")
    func hash1() throws {
        // x/mod computes the expected value from the definition; this literal was computed from
        // the same definition with Python's hashlib, independently of gover's code.
        for names in [["xyz", "abc"], ["abc", "xyz"]] {
            var builder = ModuleHashBuilder()
            for name in names { try builder.add(name: name, sha256: sha256("data for \(name)")) }
            #expect(try builder.finalize() == "h1:EP6WfDoQTSk9klnxcjriWJOGztueJUywHNmWeq+efB8=")
        }
        // TestHashDir / TestHashZip: the same files under prefix/.
        var builder = ModuleHashBuilder()
        try builder.add(name: "prefix/xyz", sha256: sha256("data for xyz"))
        try builder.add(name: "prefix/abc", sha256: sha256("data for abc"))
        #expect(try builder.finalize() == "h1:rLyfpGMAgqOnGE2aKOY5Xb6cOc0/YQhPjHBHBwkblhs=")
    }

    @Test("Hash1 refuses newlines in names (x/mod), duplicate names, bad digests and empty modules")
    func hash1Refusals() throws {
        var builder = ModuleHashBuilder()
        try builder.add(name: "xyz", sha256: sha256("x"))
        #expect(throws: GoverError.self) { try builder.add(name: "a\nbc", sha256: sha256("y")) }
        #expect(throws: GoverError.self) { try builder.add(name: "xyz", sha256: sha256("z")) }
        #expect(throws: GoverError.self) { try builder.add(name: "short", sha256: [1, 2, 3]) }
        #expect(throws: GoverError.self) { try ModuleHashBuilder().finalize() }
        // Canonically equivalent but different bytes: two files, sorted by bytes.
        try builder.add(name: "\u{E9}", sha256: sha256("a"))
        try builder.add(name: "e\u{301}", sha256: sha256("b"))
        #expect(builder.count == 3)
    }

    @Test("Module versions of toolchains, and back")
    func moduleVersions() throws {
        let version = try #require(GoVersion("go1.22.5"))
        #expect(ToolchainModule.version(of: version, platform: Platform(os: "linux", arch: "amd64")) == "v0.0.1-go1.22.5.linux-amd64")
        let parsed = try #require(ToolchainModuleIndex.parseModuleVersion("v0.0.1-go1.22.5.linux-amd64"))
        #expect(parsed.0 == version && parsed.1 == Platform(os: "linux", arch: "amd64"))
        #expect(ToolchainModuleIndex.parseModuleVersion("v0.0.1-go1.23rc1.darwin-arm64")?.0 == GoVersion("go1.23rc1"))
        for bad in ["v0.0.1-go1.22.5", "v0.0.1-go1.22.5.linux", "v0.0.2-go1.22.5.linux-amd64", "v0.0.1-1.22.5.linux-amd64",
                    "v0.0.1-go1.22.5.linux-amd64-x", "v0.0.1-go1.22.5.Linux-amd64", "v0.0.1-go1.22.05.linux-amd64", ""] {
            #expect(ToolchainModuleIndex.parseModuleVersion(bad) == nil, "\(bad)")
        }
        #expect(ToolchainModule.isPublished(GoVersion("go1.21.0")!))
        #expect(ToolchainModule.isPublished(GoVersion("go1.22.5")!))
        #expect(!ToolchainModule.isPublished(GoVersion("go1.20.14")!))
        #expect(!ToolchainModule.isPublished(GoVersion("go1.21rc2")!))
    }

    @Test("Tarball entries map to module-zip names as cmd/distpack builds them", arguments: [
        ("go/bin/go", "golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64/bin/go"),
        ("go/src/go.mod", "golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64/src/_go.mod"),
        ("go/src/cmd/go.mod", "golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64/src/cmd/_go.mod"),
        ("go/src/cmd/go.modx", "golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64/src/cmd/go.modx"),
        ("go/VERSION", "golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64/VERSION"),
        ("go/apis/x", "golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64/apis/x"),
        ("go/src/test/x.go", "golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64/src/test/x.go"),
        ("go/api/go1.txt", nil),
        ("go/api", nil),
        ("go/doc/go_spec.html", nil),
        ("go/misc/wasm/wasm_exec.js", nil),
        ("go/test/fixedbugs/issue1.go", nil),
        ("go/", nil),
        ("go/src/", nil),
        ("other/bin/go", nil),
    ] as [(String, String?)])
    func moduleZipName(tarball: String, zipName: String?) throws {
        #expect(ToolchainModule.zipEntryName(ofTreePath: tarball, moduleVersion: "v0.0.1-go1.22.5.linux-amd64") == zipName)
        if let zipName {
            #expect(try ToolchainModule.treePath(ofZipEntry: zipName, moduleVersion: "v0.0.1-go1.22.5.linux-amd64") == tarball)
        }
    }

    @Test("Zip entries outside the module's prefix are refused")
    func zipEntryOutsidePrefix() throws {
        let version = "v0.0.1-go1.22.5.linux-amd64"
        // The prefix directory itself is the tree's top directory.
        #expect(try ToolchainModule.treePath(ofZipEntry: "golang.org/toolchain@\(version)/", moduleVersion: version) == "go/")
        for bad in ["bin/go", "golang.org/toolchain@v0.0.1-go1.22.4.linux-amd64/bin/go", "golang.org/toolchain@\(version)",
                    "../golang.org/toolchain@\(version)/bin/go", "/golang.org/toolchain@\(version)/bin/go"] {
            #expect(throws: GoverError.self, "\(bad)") { try ToolchainModule.treePath(ofZipEntry: bad, moduleVersion: version) }
        }
    }

    @Test("Module paths and versions escape as x/mod's module.EscapePath and EscapeVersion")
    func escaping() {
        #expect(ModuleEscaping.escapePath("rsc.io/Quote") == "rsc.io/!quote")
        #expect(ModuleEscaping.escapePath("github.com/Azure/azure-sdk-for-go") == "github.com/!azure/azure-sdk-for-go")
        #expect(ModuleEscaping.escapePath("golang.org/toolchain") == "golang.org/toolchain")
        #expect(ModuleEscaping.escapeVersion("v0.0.1-go1.22.5.linux-amd64") == "v0.0.1-go1.22.5.linux-amd64")
        #expect(ModuleEscaping.escapeVersion("v1.0.0-RC1") == "v1.0.0-!r!c1")
        for bad in ["", "rsc.io/!quote", "rsc.io//x", "rsc", "rsc.io/x y", "rsc.io/é", "../x", "rsc.io/x/"] {
            #expect(ModuleEscaping.escapePath(bad) == nil, "\(bad)")
        }
        for bad in ["", "v1!", "v1/x", "..", "v1.", "v1\n"] {
            #expect(ModuleEscaping.escapeVersion(bad) == nil, "\(bad)")
        }
    }
}

// MARK: - GOSUMDB

@Suite("Checksum database: GOSUMDB")
struct ChecksumDatabaseSettingTests {
    private static let goKey = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"

    @Test("GOSUMDB forms the go command accepts", arguments: [
        (nil, ChecksumDatabaseSetting(name: "sum.golang.org", verifierKey: goKey, url: nil)),
        ("", ChecksumDatabaseSetting(name: "sum.golang.org", verifierKey: goKey, url: nil)),
        ("sum.golang.org", ChecksumDatabaseSetting(name: "sum.golang.org", verifierKey: goKey, url: nil)),
        ("sum.golang.google.cn", ChecksumDatabaseSetting(name: "sum.golang.org", verifierKey: goKey, url: "https://sum.golang.google.cn")),
        (goKey, ChecksumDatabaseSetting(name: "sum.golang.org", verifierKey: goKey, url: nil)),
        ("sum.golang.org https://mirror.example/sumdb/sum.golang.org",
         ChecksumDatabaseSetting(name: "sum.golang.org", verifierKey: goKey, url: "https://mirror.example/sumdb/sum.golang.org")),
        (testVerifierKey + "  http://127.0.0.1:8080", ChecksumDatabaseSetting(name: testName, verifierKey: testVerifierKey, url: "http://127.0.0.1:8080")),
        ("off", nil),
    ] as [(String?, ChecksumDatabaseSetting?)])
    func accepted(value: String?, expected: ChecksumDatabaseSetting?) throws {
        #expect(try ChecksumDatabaseSetting.parse(value) == expected)
    }

    @Test("GOSUMDB values refused, with the reason", arguments: [
        ("sum.example.org", "is not a known database name"),
        ("   ", "it is empty"),
        ("sum.golang.org https://a https://b", "too many fields"),
        ("sum.golang.org+033de0af+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8", "invalid verifier hash"),
        ("evil.example/?q=1+f9e4929c+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6", "must be host[/path]"),
        ("sum.golang.org ftp://x", "is not an http:// or https:// URL"),
        ("sum.golang.org https://", "is not an http:// or https:// URL"),
        ("OFF", "is not a known database name"),
    ])
    func refused(value: String, reason: String) {
        do {
            _ = try ChecksumDatabaseSetting.parse(value)
            Issue.record("\(value) accepted")
        } catch GoverError.invalidModuleSetting(let name, let got, let message) {
            #expect(name == "GOSUMDB" && got == value)
            #expect(message.contains(reason), "\(message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

// MARK: - The client, against an in-memory database (x/mod client_test.go)

// x/mod client_test.go's test database keys.
private let testName = "localhost.localdev/sumdb"
private let testVerifierKey = "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6"
private let testSignerKey = "PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk"
private let base = "https://sumdb.test"

/// A checksum database in memory, as x/mod's testClient serves one.
private final class TestDatabase {
    var log: TestLog
    var remote: [String: [UInt8]] = [:]
    var requests: [(url: String, limit: Int)] = []
    let signer: NoteSigner

    init(height: Int = 2) throws {
        log = TestLog(height: height)
        signer = try NoteSigner(signerKey: testSignerKey)
    }

    func copy() -> TestDatabase {
        let other = try! TestDatabase(height: log.height)
        other.log = log
        other.remote = remote
        return other
    }

    /// Adds a record under the (escaped) lookup key, and publishes the new tiles.
    func addRecord(_ key: String, _ text: String, note: ((LogTree) throws -> [UInt8])? = nil) throws {
        let id = log.size
        let record = try LogRecord.format(id: id, text: bytes(text))
        try log.add(bytes(text))
        let tree = try log.tree()
        let signedTree = try note.map { try $0(tree) } ?? signTree(log.size)
        remote["\(base)/lookup/\(key)"] = record + signedTree
        for tile in LogTile.newTiles(height: log.height, oldSize: id, newSize: log.size) {
            remote["\(base)/\(tile.path)"] = try tile.data(from: log.storage)
        }
    }

    func signTree(_ size: Int64) throws -> [UInt8] {
        let tree = LogTree(size: size, hash: try TransparencyLog.treeHash(size, reader: log.storage))
        return try SignedNote.sign(text: tree.noteText, signers: [signer])
    }

    func fetch(_ url: String, _ limit: Int) throws -> [UInt8] {
        requests.append((url, limit))
        guard let data = remote[url] else { throw GoverError.httpStatus(url: url, status: 404) }
        guard data.count <= limit else { throw GoverError.network(url: url, reason: "more than \(limit) bytes") }
        return data
    }

    /// x/mod newTestClient's records; the saved tree head is the tree of 1 record.
    static func standard() throws -> (TestDatabase, MemoryTreeHeads) {
        let database = try TestDatabase()
        try database.addRecord("rsc.io/quote@v1.5.2", """
            rsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=
            rsc.io/quote v1.5.2/go.mod h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=
            rsc.io/quote v1.5.2 h2:xyzzy

            """)
        try database.addRecord("golang.org/x/text@v0.0.0-20170915032832-14c0d48ead0c", """
            golang.org/x/text v0.0.0-20170915032832-14c0d48ead0c h1:qgOY6WgZOaTkIIMiVjBQcw93ERBE4m30iBm00nkL0i8=
            golang.org/x/text v0.0.0-20170915032832-14c0d48ead0c/go.mod h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=

            """)
        try database.addRecord("rsc.io/sampler@v1.3.0", """
            rsc.io/sampler v1.3.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=
            rsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=

            """)
        let heads = MemoryTreeHeads(try database.signTree(1))
        try database.addRecord("rsc.io/!quote@v1.5.2", "rsc.io/Quote v1.5.2 h1:uppercase!=\n")
        return (database, heads)
    }
}

private final class MemoryTreeHeads: TreeHeadStore {
    var note: [UInt8]?
    var saves = 0
    init(_ note: [UInt8]? = nil) { self.note = note }
    func load() throws -> [UInt8]? { note }
    func save(_ note: [UInt8]) throws {
        self.note = note
        saves += 1
    }

    /// The size of the saved tree (its second line).
    var size: String? {
        note.map { String(decoding: $0, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)[1] }.map(String.init)
    }
}

private final class MemoryTiles: TileStore {
    var tiles: [String: [UInt8]] = [:]
    func load(_ path: String, length: Int) -> [UInt8]? { tiles[path].flatMap { $0.count == length ? $0 : nil } }
    func save(_ tiles: [String: [UInt8]]) { self.tiles.merge(tiles) { $1 } }
}

private func client(_ database: TestDatabase, _ heads: TreeHeadStore, key: String = testVerifierKey,
                    tiles: TileStore? = nil) -> ChecksumDatabaseClient {
    ChecksumDatabaseClient(setting: ChecksumDatabaseSetting(name: testName, verifierKey: key, url: nil), baseURL: base + "/",
                           treeHeads: heads, tiles: tiles, tileHeight: 2, fetch: database.fetch)
}

/// The reason of a `checksumDatabaseRejected` naming the test database.
private func lookupRejection(_ body: () throws -> Any?) -> String {
    do {
        let value = try body()
        return "no error: \(String(describing: value))"
    } catch GoverError.checksumDatabaseRejected(let name, let reason) {
        return name == testName ? reason : "wrong name \(name): \(reason)"
    } catch {
        return "unexpected: \(error)"
    }
}

@Suite("Checksum database: the client (x/mod sumdb/client_test.go)")
struct ChecksumDatabaseClientTests {
    @Test("Lookups verify records and move the saved tree head forward (x/mod TestClientLookup)")
    func lookup() throws {
        let (database, heads) = try TestDatabase.standard()
        #expect(heads.size == "1")
        var sut = client(database, heads)
        #expect(try sut.lookup(path: "rsc.io/sampler", version: "v1.3.0") == ["rsc.io/sampler v1.3.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4="])
        #expect(heads.size == "3")
        #expect(try sut.lookup(path: "rsc.io/sampler", version: "v1.3.0/go.mod") == ["rsc.io/sampler v1.3.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA="])
        #expect(try sut.lookup(path: "rsc.io/quote", version: "v1.5.2") == ["rsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=", "rsc.io/quote v1.5.2 h2:xyzzy"])
        #expect(heads.size == "3")
        #expect(try sut.moduleHash(path: "rsc.io/quote", version: "v1.5.2") == "h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=")
        // !-encoding of upper case; the only record after rsc.io/sampler, so the head moves to 4.
        #expect(try sut.lookup(path: "rsc.io/Quote", version: "v1.5.2") == ["rsc.io/Quote v1.5.2 h1:uppercase!="])
        #expect(heads.size == "4")
        #expect(database.requests.contains { $0.url == "\(base)/lookup/rsc.io/!quote@v1.5.2" && $0.limit == ChecksumDatabaseClient.lookupLimit })
        // Every tile is fetched with its exact size as the limit.
        for request in database.requests where request.url.contains("/tile/") {
            let tile = try LogTile(path: String(request.url.dropFirst(base.count + 1)))
            #expect(request.limit == tile.width * 32)
        }
        // Starting without a saved head works too.
        let fresh = MemoryTreeHeads()
        sut = client(database, fresh)
        #expect(try sut.lookup(path: "rsc.io/sampler", version: "v1.3.0").count == 1)
        #expect(fresh.size == "3")
    }

    @Test("x/mod's fork vectors: the tree hashes of its test log, and the signature prefixes")
    func forkVectors() throws {
        let (database, _) = try TestDatabase.standard()
        let second = database.copy()
        try database.addRecord("rsc.io/pkg1@v1.5.2", "rsc.io/pkg1 v1.5.2 h1:hash!=\n")
        try second.addRecord("rsc.io/pkg1@v1.5.3", "rsc.io/pkg1 v1.5.3 h1:hash!=\n")
        try second.addRecord("rsc.io/pkg1@v1.5.4", "rsc.io/pkg1 v1.5.4 h1:hash!=\n")
        // From the SECURITY ERROR report in x/mod's TestClientFork.
        #expect(try database.log.tree().hash.description == "nWzN20+pwMt62p7jbv1/NlN95ePTlHijabv5zO/s36w=")
        #expect(try second.log.tree().hash.description == "wc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=")
        #expect(try TransparencyLog.treeHash(5, reader: second.log.storage).description == "T7i+H/8ER4nXOiw4Bj0koZOkGjkxoNvlI34GpvhHhQg=")
        #if os(Linux)
        let five = String(decoding: try database.signTree(5), as: UTF8.self)
        let six = String(decoding: try second.signTree(6), as: UTF8.self)
        #expect(five.contains("— localhost.localdev/sumdb AAAMZ5/2FVAd"))
        #expect(six.contains("— localhost.localdev/sumdb AAAMZ6oRNswl"))
        #endif
    }

    @Test("A database that forks from the saved tree head is refused (x/mod TestClientFork)")
    func fork() throws {
        let (database, heads) = try TestDatabase.standard()
        let heads2 = MemoryTreeHeads(heads.note)
        let second = database.copy()
        try database.addRecord("rsc.io/pkg1@v1.5.2", "rsc.io/pkg1 v1.5.2 h1:hash!=\n")
        try database.addRecord("rsc.io/pkg1@v1.5.4", "rsc.io/pkg1 v1.5.4 h1:hash!=\n")
        #expect(try client(database, heads).lookup(path: "rsc.io/pkg1", version: "v1.5.2").count == 1)

        try second.addRecord("rsc.io/pkg1@v1.5.3", "rsc.io/pkg1 v1.5.3 h1:hash!=\n")
        try second.addRecord("rsc.io/pkg1@v1.5.4", "rsc.io/pkg1 v1.5.4 h1:hash!=\n")
        #expect(try client(second, heads2).lookup(path: "rsc.io/pkg1", version: "v1.5.4").count == 1)
        #expect(heads2.size == "6")

        // The second database's client now sees the first database's answer: tree 5 is not a
        // prefix of the tree 6 it saved.
        second.remote["\(base)/lookup/rsc.io/pkg1@v1.5.2"] = database.remote["\(base)/lookup/rsc.io/pkg1@v1.5.2"]
        let reason = lookupRejection { try client(second, heads2).lookup(path: "rsc.io/pkg1", version: "v1.5.2") }
        #expect(reason.contains("forks from the one gover saw before"), "\(reason)")
        #expect(reason.contains("tree of 5 records") && reason.contains("saved tree of 6 records"), "\(reason)")
        #expect(reason.contains("a fork or a rollback): refusing"), "\(reason)")
        #expect(heads2.size == "6")

        // And the other way: a newer tree that does not extend the saved one.
        let heads3 = MemoryTreeHeads(try second.signTree(5))
        let newer = lookupRejection { try client(database, heads3).lookup(path: "rsc.io/pkg1", version: "v1.5.4") }
        #expect(newer.contains("forks") && newer.contains("tree of 6 records") && newer.contains("saved tree of 5 records"), "\(newer)")
        #expect(heads3.size == "5")
    }

    @Test("Corrupted tiles are refused, at the start and after (x/mod TestClientBadTiles)")
    func badTiles() throws {
        let (database, heads) = try TestDatabase.standard()
        func flipTiles() {
            for (url, data) in database.remote where url.contains("/tile/") {
                database.remote[url] = data.map { $0 ^ 0x80 }
            }
        }
        flipTiles()
        var reason = lookupRejection { try client(database, heads).lookup(path: "rsc.io/sampler", version: "v1.3.0") }
        #expect(reason.contains("checking tree #1 against tree #3: downloaded inconsistent tile"), "\(reason)")
        #expect(heads.size == "1")
        flipTiles()
        #expect(try client(database, heads).lookup(path: "rsc.io/sampler", version: "v1.3.0").count == 1)
        flipTiles()
        reason = lookupRejection { try client(database, heads).lookup(path: "rsc.io/Quote", version: "v1.5.2") }
        #expect(reason.contains("checking tree #3 against tree #4: downloaded inconsistent tile"), "\(reason)")
        flipTiles()

        // A saved head with a wrong hash looks like bad tiles.
        let zeroTree = LogTree(size: 1, hash: .zero)
        let badHeads = MemoryTreeHeads(try SignedNote.sign(text: zeroTree.noteText, signers: [database.signer]))
        reason = lookupRejection { try client(database, badHeads).lookup(path: "rsc.io/sampler", version: "v1.3.0") }
        #expect(reason.contains("forks"), "\(reason)")
    }

    /// 21 records: with tiles of height 2, full tiles at levels 0 and 1 and partial ones above.
    private static func grownDatabase() throws -> TestDatabase {
        let database = try TestDatabase()
        for n in 0..<21 { try database.addRecord("example.com/m@v1.0.\(n)", "example.com/m v1.0.\(n) h1:\(n)=\n") }
        return database
    }

    @Test("Full tiles are stored after a lookup verified, and read back instead of fetched; partial tiles never")
    func storedTiles() throws {
        let database = try Self.grownDatabase()
        func tileRequests(_ tiles: TileStore?, _ version: String, _ heads: MemoryTreeHeads) throws -> [String] {
            database.requests.removeAll()
            #expect(try client(database, heads, tiles: tiles).lookup(path: "example.com/m", version: version).count == 1)
            return database.requests.map(\.url).filter { $0.contains("/tile/") }
        }
        let tiles = MemoryTiles()
        // Record 2, proven in the saved tree of 21 records: full tiles below, partial on the right edge.
        let first = try tileRequests(tiles, "v1.0.2", MemoryTreeHeads(try database.signTree(21)))
        #expect(!tiles.tiles.isEmpty, "\(first)")
        #expect(tiles.tiles.keys.allSatisfy { !$0.contains(".p/") }, "\(tiles.tiles.keys.sorted())")
        // Every stored tile is what the server has for that path.
        for (path, data) in tiles.tiles { #expect(database.remote["\(base)/\(path)"] == data) }
        // The next lookup, with and without the stored tiles.
        let without = try tileRequests(nil, "v1.0.1", MemoryTreeHeads(try database.signTree(21)))
        let with = try tileRequests(tiles, "v1.0.1", MemoryTreeHeads(try database.signTree(21)))
        #expect(with.count < without.count, "\(with) vs \(without)")
        #expect(with.allSatisfy { url in !tiles.tiles.keys.contains { url.hasSuffix("/" + $0) } })
    }

    @Test("A damaged stored tile is never trusted: the lookup is proven again from the server's tiles, which replace it")
    func damagedStoredTiles() throws {
        let database = try Self.grownDatabase()
        let tiles = MemoryTiles()
        let saved = try database.signTree(21)
        #expect(try client(database, MemoryTreeHeads(saved), tiles: tiles).lookup(path: "example.com/m", version: "v1.0.2").count == 1)
        let good = tiles.tiles
        try #require(!good.isEmpty)
        for (path, data) in good { tiles.tiles[path] = data.map { $0 ^ 0x80 } }
        #expect(try client(database, MemoryTreeHeads(saved), tiles: tiles).lookup(path: "example.com/m", version: "v1.0.2").count == 1)
        #expect(tiles.tiles == good)
        // Damaged stored tiles and a damaged server: refused, and nothing it sent is stored.
        for (path, data) in good { tiles.tiles[path] = data.map { $0 ^ 0x80 } }
        for (url, data) in database.remote where url.contains("/tile/") { database.remote[url] = data.map { $0 ^ 0x40 } }
        let reason = lookupRejection { try client(database, MemoryTreeHeads(saved), tiles: tiles).lookup(path: "example.com/m", version: "v1.0.2") }
        #expect(reason.contains("inconsistent") || reason.contains("authenticate"), "\(reason)")
        for (path, data) in tiles.tiles { #expect(data == good[path]!.map { $0 ^ 0x80 }) }
    }

    @Test("Stored tiles cannot hide a fork")
    func storedTilesAndFork() throws {
        let (database, heads) = try TestDatabase.standard()
        let tiles = MemoryTiles()
        #expect(try client(database, heads, tiles: tiles).lookup(path: "rsc.io/Quote", version: "v1.5.2").count == 1)
        // Another log whose tree of 4 records differs: its lookups must fail against the saved head.
        let other = try TestDatabase()
        try other.addRecord("rsc.io/pkg1@v1.5.2", "rsc.io/pkg1 v1.5.2 h1:Aa\n")
        try other.addRecord("rsc.io/pkg1@v1.5.3", "rsc.io/pkg1 v1.5.3 h1:Bb\n")
        try other.addRecord("rsc.io/pkg1@v1.5.4", "rsc.io/pkg1 v1.5.4 h1:Cc\n")
        try other.addRecord("rsc.io/pkg1@v1.5.5", "rsc.io/pkg1 v1.5.5 h1:Dd\n")
        try other.addRecord("rsc.io/pkg1@v1.5.6", "rsc.io/pkg1 v1.5.6 h1:Ee\n")
        let reason = lookupRejection { try client(other, heads, tiles: tiles).lookup(path: "rsc.io/pkg1", version: "v1.5.6") }
        #expect(reason.contains("forks") || reason.contains("inconsistent"), "\(reason)")
        #expect(heads.size == "4")
    }

    @Test("Lines outside the record, in the signed note, are never taken (x/mod TestRejectUnauthenticatedLines)")
    func unauthenticatedLines() throws {
        let (database, heads) = try TestDatabase.standard()
        let good = "golang.org/x/good v1.0.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=\n"
        try database.addRecord("golang.org/x/bad@v1.0.0", good) { tree in
            try SignedNote.sign(text: tree.noteText + bytes("golang.org/x/bad v1.0.0 h1:7uVkIFmeBqHfdjD+gZwtXXI+RODJ2Wc4O7MPEh/QiW4=\n"),
                                signers: [database.signer])
        }
        do {
            _ = try client(database, heads).lookup(path: "golang.org/x/bad", version: "v1.0.0")
            Issue.record("accepted")
        } catch GoverError.noChecksumRecord(let name, let module) {
            #expect(name == testName && module == "golang.org/x/bad@v1.0.0")
        }
    }

    @Test("An authentic record that lists only other versions is no record for this one")
    func otherVersionsOnly() throws {
        let (database, heads) = try TestDatabase.standard()
        database.remote["\(base)/lookup/rsc.io/sampler@v1.3.1"] = database.remote["\(base)/lookup/rsc.io/sampler@v1.3.0"]
        #expect(throws: GoverError.noChecksumRecord(database: testName, module: "rsc.io/sampler@v1.3.1")) {
            try client(database, heads).lookup(path: "rsc.io/sampler", version: "v1.3.1")
        }
        // Only a go.mod line, or only an h2 line, is not the zip's h1 line either.
        try database.addRecord("rsc.io/gomod@v1.0.0", "rsc.io/gomod v1.0.0/go.mod h1:T1hPZKmBbMNahiBKFy5HrXp6adAjACjK9JXDnKaTXpA=\nrsc.io/gomod v1.0.0 h2:x\n")
        #expect(throws: GoverError.noChecksumRecord(database: testName, module: "rsc.io/gomod@v1.0.0")) {
            try client(database, heads).lookup(path: "rsc.io/gomod", version: "v1.0.0")
        }
    }

    @Test("Answers that do not verify are refused")
    func hostileAnswers() throws {
        let (database, heads) = try TestDatabase.standard()
        let key = "\(base)/lookup/rsc.io/sampler@v1.3.0"
        let original = try #require(database.remote[key])
        let record = try LogRecord(original)
        let recordPart = Array(original.prefix(original.count - record.rest.count))
        func answer(_ data: [UInt8]) -> String {
            database.remote[key] = data
            return lookupRejection { try client(database, heads).lookup(path: "rsc.io/sampler", version: "v1.3.0") }
        }
        let note = String(decoding: record.rest, as: UTF8.self)

        // A corrupted signature.
        var reason = answer(recordPart + bytes(spliceBytes(note, at: note.utf8.count - 20, "AAAA")))
        #expect(reason.contains("invalid signature") || reason.contains("malformed note"), "\(reason)")
        // A note signed by another key only.
        let other = try NoteSigner(signerKey: peterSignerKey)
        let tree = try LogTree(noteText: SignedNote.open(record.rest, verifiers: [NoteVerifier(verifierKey: testVerifierKey)]).text)
        reason = answer(recordPart + (try SignedNote.sign(text: tree.noteText, signers: [other])))
        #expect(reason.contains("note has no verifiable signatures"), "\(reason)")
        // Our signature plus an unknown one, and our signature twice: fine.
        #expect(answer(recordPart + (try SignedNote.sign(text: tree.noteText, signers: [other, database.signer]))).hasPrefix("no error"))
        let doubled = record.rest + Array(record.rest.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().last!) + [0x0A]
        #expect(answer(recordPart + doubled).hasPrefix("no error"))
        // Truncated notes and records.
        reason = answer(recordPart + record.rest.dropLast(10))
        #expect(reason.contains("malformed note"), "\(reason)")
        reason = answer(Array(original.prefix(5)))
        #expect(reason.contains("malformed record data"), "\(reason)")
        // A tree of impossible size.
        for size in ["99999999999999999999", "9223372036854775807", "-3"] {
            let text = bytes("go.sum database tree\n\(size)\n\(tree.hash)\n")
            reason = answer(recordPart + (try SignedNote.sign(text: text, signers: [database.signer])))
            #expect(reason.contains("malformed tree note"), "\(size): \(reason)")
        }
        // The largest tree size accepted, whose tiles the server cannot have: the fetch error
        // passes through; one more is refused before any fetch.
        let huge = LogTree.maxSize
        reason = answer(recordPart + (try SignedNote.sign(text: bytes("go.sum database tree\n\(huge)\n\(tree.hash)\n"), signers: [database.signer])))
        #expect(reason.contains("HTTP 404"), "\(reason)")
        reason = answer(recordPart + (try SignedNote.sign(text: bytes("go.sum database tree\n\(huge + 1)\n\(tree.hash)\n"), signers: [database.signer])))
        #expect(reason.contains("malformed tree note"), "\(reason)")
        #expect(heads.size == "3")
        // A record id outside the tree, or another record's id.
        for id in ["3", "4", "1000", "99999999999999999999"] {
            reason = answer(bytes(id) + Array(original.drop(while: { $0 != 0x0A })))
            #expect(reason.contains("cannot validate record") || reason.contains("malformed record data"), "\(id): \(reason)")
        }
        reason = answer(bytes("0") + Array(original.drop(while: { $0 != 0x0A })))
        #expect(reason.contains("cannot authenticate the record data"), "\(reason)")
        // Record text that is not what the log holds.
        reason = answer(Array(String(decoding: original, as: UTF8.self).replacing("7uVk", with: "8uVk").utf8))
        #expect(reason.contains("cannot authenticate the record data"), "\(reason)")
        database.remote[key] = original
        #expect(try client(database, heads).lookup(path: "rsc.io/sampler", version: "v1.3.0").count == 1)
    }

    @Test("Tiles of the wrong length, and missing tiles")
    func tileFetches() throws {
        let (database, heads) = try TestDatabase.standard()
        let tileURL = "\(base)/tile/2/0/000"
        let full = try #require(database.remote[tileURL])
        database.remote[tileURL] = Array(full.dropLast())
        var reason = lookupRejection { try client(database, heads).lookup(path: "rsc.io/Quote", version: "v1.5.2") }
        #expect(reason.contains("tile/2/0/000 has 127 bytes, want 128"), "\(reason)")

        // A missing tile: the fetch error passes through unchanged.
        database.remote[tileURL] = nil
        #expect(throws: GoverError.httpStatus(url: tileURL, status: 404)) {
            try client(database, heads).lookup(path: "rsc.io/Quote", version: "v1.5.2")
        }
        database.remote[tileURL] = full

        // A partial tile the server has replaced by the full one is read from the full one.
        try database.addRecord("rsc.io/five@v1.0.0", "rsc.io/five v1.0.0 h1:five=\n")
        try database.addRecord("rsc.io/six@v1.0.0", "rsc.io/six v1.0.0 h1:six=\n")
        try database.addRecord("rsc.io/seven@v1.0.0", "rsc.io/seven v1.0.0 h1:seven=\n")
        try database.addRecord("rsc.io/eight@v1.0.0", "rsc.io/eight v1.0.0 h1:eight=\n")
        database.remote["\(base)/tile/2/0/001.p/3"] = nil
        let fresh = MemoryTreeHeads()
        database.remote["\(base)/lookup/rsc.io/five@v1.0.0"] = try LogRecord.format(id: 4, text: bytes("rsc.io/five v1.0.0 h1:five=\n"))
            + database.signTree(7)
        reason = lookupRejection { try client(database, fresh).lookup(path: "rsc.io/five", version: "v1.0.0") }
        #expect(reason.hasPrefix("no error"), "\(reason)")
        #expect(fresh.size == "7")
        #expect(database.requests.contains { $0.url == "\(base)/tile/2/0/001.p/3" })
        #expect(database.requests.contains { $0.url == "\(base)/tile/2/0/001" && $0.limit == 128 })

        // A lookup answer over the limit is refused by the fetch.
        database.remote["\(base)/lookup/rsc.io/big@v1.0.0"] = [UInt8](repeating: 0x41, count: ChecksumDatabaseClient.lookupLimit + 1)
        #expect(throws: GoverError.self) { try client(database, fresh).lookup(path: "rsc.io/big", version: "v1.0.0") }
    }

    @Test("A saved tree head that does not verify, or a key that does not parse, is refused")
    func badSavedHead() throws {
        let (database, heads) = try TestDatabase.standard()
        let corrupt = MemoryTreeHeads(Array(heads.note!.dropLast(3)) + bytes("==\n"))
        let reason = lookupRejection { try client(database, corrupt).lookup(path: "rsc.io/sampler", version: "v1.3.0") }
        #expect(reason.contains("the tree head gover saved before does not verify"), "\(reason)")
        #expect(throws: GoverError.self) {
            try client(database, heads, key: "localhost.localdev/sumdb+00000c68+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6")
                .lookup(path: "rsc.io/sampler", version: "v1.3.0")
        }
        let misnamed = ChecksumDatabaseClient(setting: ChecksumDatabaseSetting(name: "sum.golang.org", verifierKey: testVerifierKey, url: nil),
                                              baseURL: base, treeHeads: heads, fetch: database.fetch)
        #expect(throws: GoverError.invalidModuleSetting(name: "GOSUMDB", value: testVerifierKey,
                                                        reason: "the key is for \(testName), not sum.golang.org")) {
            try misnamed.lookup(path: "rsc.io/sampler", version: "v1.3.0")
        }

        // A saved head of the same size with another hash.
        let sameSize = MemoryTreeHeads(try SignedNote.sign(text: LogTree(size: 3, hash: .zero).noteText, signers: [database.signer]))
        let forked = lookupRejection { try client(database, sameSize).lookup(path: "rsc.io/sampler", version: "v1.3.0") }
        #expect(forked.contains("forks") && forked.contains("tree of 3 records"), "\(forked)")
        #expect(sameSize.saves == 0)

        // An older answer than the saved head is checked against it, and the head stays.
        let newer = MemoryTreeHeads(try database.signTree(4))
        #expect(try client(database, newer).lookup(path: "rsc.io/quote", version: "v1.5.2").count == 2)
        #expect(newer.size == "4" && newer.saves == 0)
    }
}

@Suite("Checksum database: tiles kept in the store's cache")
struct CachedTilesTests {
    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/gover-tiles-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        return string(fromCString: template)
    }

    @Test("tiles round-trip as one plain name each; a symlinked tiles directory or tile is neither read nor written through")
    func cachedTiles() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileSystem.removeTree(root) }
        let head = CachedTreeHead(cacheDirectory: root + "/cache", database: "sum.golang.org")
        let tiles = CachedTiles(treeHead: head)
        let data = [UInt8](repeating: 7, count: 8192)
        // No tree head saved yet: nothing is created.
        tiles.save(["tile/8/0/x001/234": data])
        #expect(FileSystem.kind(tiles.directory) == nil)
        try head.save(Array("note".utf8))
        tiles.save(["tile/8/0/x001/234": data])
        #expect(FileSystem.kind(tiles.directory + "/tile-8-0-x001-234") == S_IFREG)
        #expect(tiles.load("tile/8/0/x001/234", length: 8192) == data)
        #expect(tiles.load("tile/8/0/x001/234", length: 4096) == nil)
        #expect(tiles.load("tile/8/0/x001/235", length: 8192) == nil)
        // A planted symlink in place of a tile: not followed.
        let outside = root + "/outside"
        try FileSystem.makeDirectories(outside)
        try FileSystem.writeFileAtomically(outside + "/tile", data)
        #expect(symlink(outside + "/tile", tiles.directory + "/tile-8-1-000") == 0)
        #expect(tiles.load("tile/8/1/000", length: 8192) == nil)
        // A FIFO or a directory in place of a tile: skipped, without blocking.
        #expect(mkfifo(tiles.directory + "/tile-8-1-001", 0o644) == 0)
        #expect(tiles.load("tile/8/1/001", length: 8192) == nil)
        #expect(mkdir(tiles.directory + "/tile-8-1-002", 0o755) == 0)
        #expect(tiles.load("tile/8/1/002", length: 8192) == nil)
        // A symlink in place of the directory: skipped, nothing written through it.
        try FileSystem.removeTree(tiles.directory)
        #expect(symlink(outside, tiles.directory) == 0)
        tiles.save(["tile/8/0/x001/236": data])
        #expect(FileSystem.directoryEntries(outside).sorted() == ["tile"])
        try FileSystem.writeFileAtomically(outside + "/tile-8-0-x001-234", data)
        #expect(tiles.load("tile/8/0/x001/234", length: 8192) == nil)
    }

    @Test("the tiles directory is bounded: full, it is emptied before the next tile is saved")
    func bounded() throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileSystem.removeTree(root) }
        let head = CachedTreeHead(cacheDirectory: root + "/cache", database: "sum.golang.org")
        try head.save(Array("note".utf8))
        let tiles = CachedTiles(treeHead: head)
        for n in 0..<CachedTiles.maximumFiles { tiles.save(["tile/8/0/\(n)": [1]]) }
        #expect(FileSystem.directoryEntries(tiles.directory).count == CachedTiles.maximumFiles)
        tiles.save(["tile/8/1/000": [2]])
        #expect(FileSystem.directoryEntries(tiles.directory) == ["tile-8-1-000"])
    }
}
