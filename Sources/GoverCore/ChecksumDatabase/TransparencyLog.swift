import Crypto

// A port of golang.org/x/mod/sumdb/tlog/tlog.go: the Merkle tree of the checksum database's
// log (RFC 6962 hashing), its storage indexes, and record and tree proofs.
//
// Sizes and indexes are Int64 as in Go. Everything that comes from a server is bounded when
// parsed (`LogTree.maxSize`), so the arithmetic here cannot overflow; the `preconditionFailure`s
// mark what x/mod calls "bad math": states only a bug in this file can reach.

/// A SHA-256 hash in the log's tree.
struct LogHash: Hashable, Sendable, CustomStringConvertible {
    static let size = 32
    static let zero = LogHash(unchecked: [UInt8](repeating: 0, count: size))

    let bytes: [UInt8]

    init?(_ bytes: [UInt8]) {
        guard bytes.count == Self.size else { return nil }
        self.bytes = bytes
    }

    private init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    init<D: Digest>(digest: D) { self.bytes = Array(digest) }

    /// Parses the base64 form (`tlog.ParseHash`).
    init?(base64: some StringProtocol) {
        guard let bytes = Base64.decode(base64), bytes.count == Self.size else { return nil }
        self.bytes = bytes
    }

    var description: String { Base64.encode(bytes) }
}

/// Reads stored hashes by storage index (`tlog.HashReader`).
protocol LogHashReader {
    func readHashes(_ indexes: [Int64]) throws -> [LogHash]
}

/// A plain array of every stored hash of a log, indexed by storage index: what a server keeps,
/// and what the tests build trees with.
struct LogHashStorage: LogHashReader {
    var hashes: [LogHash] = []

    func readHashes(_ indexes: [Int64]) throws -> [LogHash] {
        try indexes.map { index in
            guard index >= 0, index < Int64(hashes.count) else { throw checksumRejection("hash index \(index) not stored") }
            return hashes[Int(index)]
        }
    }
}

enum TransparencyLog {
    /// The hash of a record's data: SHA-256 of a zero byte and the data.
    static func recordHash(_ data: [UInt8]) -> LogHash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: data)
        return LogHash(digest: hasher.finalize())
    }

    /// The hash of an interior node: SHA-256 of a one byte and both children.
    static func nodeHash(_ left: LogHash, _ right: LogHash) -> LogHash {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left.bytes)
        hasher.update(data: right.bytes)
        return LogHash(digest: hasher.finalize())
    }

    /// The largest power of two k = 2^l strictly less than n (n > 1), and l.
    static func maxPowerOfTwo(below n: Int64) -> (k: Int64, level: Int) {
        var level = 0
        while Int64(1) << (level + 1) < n { level += 1 }
        return (Int64(1) << level, level)
    }

    /// The storage index of the hash at `level` and position `n`: hashes are stored in the
    /// order they become known as records are appended.
    static func storedHashIndex(level: Int, _ n: Int64) -> Int64 {
        var n = n
        for _ in 0..<level { n = 2 * n + 1 }
        var index: Int64 = 0
        while n > 0 {
            index += n
            n >>= 1
        }
        return index + Int64(level)
    }

    /// The inverse of `storedHashIndex`.
    static func splitStoredHashIndex(_ index: Int64) -> (level: Int, n: Int64) {
        // Determine the level-0 record whose hashes end at or after index.
        var n = index / 2
        var indexN = storedHashIndex(level: 0, n)
        guard indexN <= index else { preconditionFailure("bad math in splitStoredHashIndex") }
        while true {
            // Each new record n adds 1 + trailingZeros(n+1) hashes.
            let next = indexN + 1 + Int64((UInt64(n + 1)).trailingZeroBitCount)
            if next > index { break }
            n += 1
            indexN = next
        }
        let level = Int(index - indexN)
        return (level, n >> level)
    }

    /// How many hashes a log of `n` records stores.
    static func storedHashCount(_ n: Int64) -> Int64 {
        guard n > 0 else { return 0 }
        var count = storedHashIndex(level: 0, n - 1) + 1
        var i = UInt64(n - 1)
        while i & 1 != 0 {
            count += 1
            i >>= 1
        }
        return count
    }

    /// The hashes to store when appending record `n` with `data` to a log of n records.
    static func storedHashes(_ n: Int64, data: [UInt8], reader: LogHashReader) throws -> [LogHash] {
        try storedHashes(n, recordHash: recordHash(data), reader: reader)
    }

    static func storedHashes(_ n: Int64, recordHash: LogHash, reader: LogHashReader) throws -> [LogHash] {
        var hashes = [recordHash]
        let m = (UInt64(n + 1)).trailingZeroBitCount
        var indexes = [Int64](repeating: 0, count: m)
        for i in 0..<m {
            // The left siblings of the new hashes, in increasing storage order.
            indexes[m - 1 - i] = storedHashIndex(level: i, (n >> i) - 1)
        }
        let old = try reader.readHashes(indexes)
        guard old.count == indexes.count else { throw checksumRejection("read \(old.count) of \(indexes.count) hashes") }
        var hash = recordHash
        for i in 0..<m {
            hash = nodeHash(old[m - 1 - i], hash)
            hashes.append(hash)
        }
        return hashes
    }

    /// The hash of the tree of the first `n` records.
    static func treeHash(_ n: Int64, reader: LogHashReader) throws -> LogHash {
        guard n > 0 else { return .zero }
        let indexes = subTreeIndex(0, n, [])
        let hashes = try reader.readHashes(indexes)
        guard hashes.count == indexes.count else { throw checksumRejection("read \(hashes.count) of \(indexes.count) hashes") }
        var rest = hashes[...]
        let hash = subTreeHash(0, n, &rest)
        guard rest.isEmpty else { preconditionFailure("bad index math in treeHash") }
        return hash
    }

    /// The storage indexes of the complete subtrees that make up records lo..<hi, appended to `need`.
    static func subTreeIndex(_ lo: Int64, _ hi: Int64, _ need: [Int64]) -> [Int64] {
        var lo = lo
        var need = need
        while lo < hi {
            let (k, level) = maxPowerOfTwo(below: hi - lo + 1)
            guard lo & (k - 1) == 0 else { preconditionFailure("bad math in subTreeIndex") }
            need.append(storedHashIndex(level: level, lo >> level))
            lo += k
        }
        return need
    }

    /// The hash of records lo..<hi from the subtree hashes `subTreeIndex` listed, consumed from `hashes`.
    static func subTreeHash(_ lo: Int64, _ hi: Int64, _ hashes: inout ArraySlice<LogHash>) -> LogHash {
        var lo = lo
        var numTree = 0
        while lo < hi {
            let (k, _) = maxPowerOfTwo(below: hi - lo + 1)
            guard lo & (k - 1) == 0, lo < hi else { preconditionFailure("bad math in subTreeHash") }
            numTree += 1
            lo += k
        }
        guard hashes.count >= numTree, numTree > 0 else { preconditionFailure("bad index math in subTreeHash") }
        let trees = Array(hashes.prefix(numTree))
        hashes = hashes.dropFirst(numTree)
        var hash = trees[numTree - 1]
        for i in stride(from: numTree - 2, through: 0, by: -1) {
            hash = nodeHash(trees[i], hash)
        }
        return hash
    }

    // MARK: Record proofs

    /// A proof that record n is in the tree of t records (`tlog.ProveRecord`).
    static func proveRecord(treeSize t: Int64, record n: Int64, reader: LogHashReader) throws -> [LogHash] {
        guard t >= 0, n >= 0, n < t else { throw checksumRejection("invalid inputs in proveRecord") }
        let indexes = leafProofIndex(0, t, n, [])
        guard !indexes.isEmpty else { return [] }
        let hashes = try reader.readHashes(indexes)
        guard hashes.count == indexes.count else { throw checksumRejection("read \(hashes.count) of \(indexes.count) hashes") }
        var rest = hashes[...]
        let proof = leafProof(0, t, n, &rest)
        guard rest.isEmpty else { preconditionFailure("bad index math in proveRecord") }
        return proof
    }

    private static func leafProofIndex(_ lo: Int64, _ hi: Int64, _ n: Int64, _ need: [Int64]) -> [Int64] {
        guard lo <= n, n < hi else { preconditionFailure("bad math in leafProofIndex") }
        if lo + 1 == hi { return need }
        let (k, _) = maxPowerOfTwo(below: hi - lo)
        if n < lo + k {
            return subTreeIndex(lo + k, hi, leafProofIndex(lo, lo + k, n, need))
        } else {
            return leafProofIndex(lo + k, hi, n, subTreeIndex(lo, lo + k, need))
        }
    }

    private static func leafProof(_ lo: Int64, _ hi: Int64, _ n: Int64, _ hashes: inout ArraySlice<LogHash>) -> [LogHash] {
        guard lo <= n, n < hi else { preconditionFailure("bad math in leafProof") }
        if lo + 1 == hi { return [] }
        let (k, _) = maxPowerOfTwo(below: hi - lo)
        var proof: [LogHash]
        let sibling: LogHash
        if n < lo + k {
            proof = leafProof(lo, lo + k, n, &hashes)
            sibling = subTreeHash(lo + k, hi, &hashes)
        } else {
            sibling = subTreeHash(lo, lo + k, &hashes)
            proof = leafProof(lo + k, hi, n, &hashes)
        }
        proof.append(sibling)
        return proof
    }

    /// Checks that `proof` proves record n with hash `recordHash` is in the tree of t records
    /// with hash `treeHash` (`tlog.CheckRecord`).
    static func checkRecord(_ proof: [LogHash], treeSize t: Int64, treeHash: LogHash, record n: Int64,
                            recordHash: LogHash) throws {
        guard t >= 0, n >= 0, n < t else { throw checksumRejection("invalid inputs in checkRecord") }
        let computed = try runRecordProof(proof[...], 0, t, n, recordHash)
        guard computed == treeHash else { throw checksumRejection("invalid transparency proof") }
    }

    private static func runRecordProof(_ proof: ArraySlice<LogHash>, _ lo: Int64, _ hi: Int64, _ n: Int64,
                                       _ leafHash: LogHash) throws -> LogHash {
        guard lo <= n, n < hi else { preconditionFailure("bad math in runRecordProof") }
        if lo + 1 == hi {
            guard proof.isEmpty else { throw checksumRejection("invalid transparency proof") }
            return leafHash
        }
        guard let last = proof.last else { throw checksumRejection("invalid transparency proof") }
        let (k, _) = maxPowerOfTwo(below: hi - lo)
        if n < lo + k {
            return nodeHash(try runRecordProof(proof.dropLast(), lo, lo + k, n, leafHash), last)
        } else {
            return nodeHash(last, try runRecordProof(proof.dropLast(), lo + k, hi, n, leafHash))
        }
    }

    // MARK: Tree proofs

    /// A proof that the tree of n records is a prefix of the tree of t records (`tlog.ProveTree`).
    static func proveTree(treeSize t: Int64, prefix n: Int64, reader: LogHashReader) throws -> [LogHash] {
        guard t >= 1, n >= 1, n <= t else { throw checksumRejection("invalid inputs in proveTree") }
        let indexes = treeProofIndex(0, t, n, [])
        guard !indexes.isEmpty else { return [] }
        let hashes = try reader.readHashes(indexes)
        guard hashes.count == indexes.count else { throw checksumRejection("read \(hashes.count) of \(indexes.count) hashes") }
        var rest = hashes[...]
        let proof = treeProof(0, t, n, &rest)
        guard rest.isEmpty else { preconditionFailure("bad index math in proveTree") }
        return proof
    }

    private static func treeProofIndex(_ lo: Int64, _ hi: Int64, _ n: Int64, _ need: [Int64]) -> [Int64] {
        guard lo < n, n <= hi else { preconditionFailure("bad math in treeProofIndex") }
        if n == hi {
            return lo == 0 ? need : subTreeIndex(lo, hi, need)
        }
        let (k, _) = maxPowerOfTwo(below: hi - lo)
        if n <= lo + k {
            return subTreeIndex(lo + k, hi, treeProofIndex(lo, lo + k, n, need))
        } else {
            return treeProofIndex(lo + k, hi, n, subTreeIndex(lo, lo + k, need))
        }
    }

    private static func treeProof(_ lo: Int64, _ hi: Int64, _ n: Int64, _ hashes: inout ArraySlice<LogHash>) -> [LogHash] {
        guard lo < n, n <= hi else { preconditionFailure("bad math in treeProof") }
        if n == hi {
            return lo == 0 ? [] : [subTreeHash(lo, hi, &hashes)]
        }
        let (k, _) = maxPowerOfTwo(below: hi - lo)
        var proof: [LogHash]
        let sibling: LogHash
        if n <= lo + k {
            proof = treeProof(lo, lo + k, n, &hashes)
            sibling = subTreeHash(lo + k, hi, &hashes)
        } else {
            sibling = subTreeHash(lo, lo + k, &hashes)
            proof = treeProof(lo + k, hi, n, &hashes)
        }
        proof.append(sibling)
        return proof
    }

    /// Checks that `proof` proves the tree of n records with hash `prefixHash` is a prefix of
    /// the tree of t records with hash `treeHash` (`tlog.CheckTree`).
    static func checkTree(_ proof: [LogHash], treeSize t: Int64, treeHash: LogHash, prefix n: Int64,
                          prefixHash: LogHash) throws {
        guard t >= 1, n >= 1, n <= t else { throw checksumRejection("invalid inputs in checkTree") }
        let (old, new) = try runTreeProof(proof[...], 0, t, n, prefixHash)
        guard new == treeHash, old == prefixHash else { throw checksumRejection("invalid transparency proof") }
    }

    private static func runTreeProof(_ proof: ArraySlice<LogHash>, _ lo: Int64, _ hi: Int64, _ n: Int64,
                                     _ old: LogHash) throws -> (LogHash, LogHash) {
        guard lo < n, n <= hi else { preconditionFailure("bad math in runTreeProof") }
        if n == hi {
            if lo == 0 {
                guard proof.isEmpty else { throw checksumRejection("invalid transparency proof") }
                return (old, old)
            }
            guard proof.count == 1, let only = proof.first else { throw checksumRejection("invalid transparency proof") }
            return (only, only)
        }
        guard let last = proof.last else { throw checksumRejection("invalid transparency proof") }
        let (k, _) = maxPowerOfTwo(below: hi - lo)
        if n <= lo + k {
            let (oldHash, treeHash) = try runTreeProof(proof.dropLast(), lo, lo + k, n, old)
            return (oldHash, nodeHash(treeHash, last))
        } else {
            let (oldHash, treeHash) = try runTreeProof(proof.dropLast(), lo + k, hi, n, old)
            return (nodeHash(last, oldHash), nodeHash(last, treeHash))
        }
    }
}
