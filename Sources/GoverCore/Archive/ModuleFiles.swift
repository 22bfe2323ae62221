import Crypto

/// The SHA-256 of one file's content as it is written, holes included: libarchive hands
/// over data blocks with offsets, and a sparse entry's gaps (and a tail up to its declared
/// size) read back as zeros.
struct ContentHasher {
    private var hasher = SHA256()
    private var end: Int64 = 0

    mutating func update(_ block: UnsafeRawBufferPointer, at offset: Int64) {
        // The extractor refuses overlapping blocks (`checkForward`) before they get here.
        if offset > end { hashZeros(offset - end) }
        hasher.update(bufferPointer: block)
        end = offset + Int64(block.count)
    }

    mutating func finalize(declaredSize: Int64) -> [UInt8] {
        if declaredSize > end { hashZeros(declaredSize - end) }
        return Array(hasher.finalize())
    }

    private mutating func hashZeros(_ count: Int64) {
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        var left = count
        zeros.withUnsafeBytes { chunk in
            while left > 0 {
                let step = Int(min(left, Int64(chunk.count)))
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: chunk[..<step]))
                left -= Int64(step)
            }
        }
    }
}

/// The files of a toolchain module seen during one extraction, for its `h1:` hash.
struct ModuleFiles {
    private var builder = ModuleHashBuilder()
    /// Digests by tree path, for hard links (tar only) that repeat an earlier file.
    private var digests: [String: [UInt8]] = [:]

    mutating func add(name: String, path: String, sha256: [UInt8]) throws {
        try builder.add(name: name, sha256: sha256)
        digests[path] = sha256
    }

    /// A hard link has its target's content; a target that was not hashed (left out of the
    /// module, or not a file) makes the link unverifiable, and it is refused.
    mutating func addLink(name: String, path: String, target: String, entry: String) throws {
        guard let digest = digests[target] else {
            throw GoverError.unsafeArchive(entry: entry, reason: "is a hard link to a file the toolchain module (and so the checksum database) does not cover")
        }
        try add(name: name, path: path, sha256: digest)
    }

    func hash() throws -> String {
        try builder.finalize()
    }
}
