import Crypto

/// The `h1:` hash of a module (golang.org/x/mod/sumdb/dirhash `Hash1`), built incrementally:
/// the installer adds each file's SHA-256 as it extracts it, in any order.
///
/// `h1:` is the base64 SHA-256 of the lines `<lowercase hex sha256>  <name>\n`, one per file,
/// sorted by name byte by byte (Go's `sort.Strings`). Names are the module zip's names,
/// `golang.org/toolchain@v0.0.1-go1.22.5.linux-amd64/bin/go` and so on.
public struct ModuleHashBuilder: Sendable {
    private var files: [(name: [UInt8], digest: [UInt8])] = []
    /// Names as bytes: Swift's `String` equality treats canonically equivalent names as equal,
    /// and two such names are two different files in a zip.
    private var names = Set<[UInt8]>()

    public init() {}

    /// Adds one file. Refuses a name with a newline (dirhash cannot hash it) and a name added
    /// twice (a zip with two entries of one name is ambiguous).
    public mutating func add(name: String, sha256: [UInt8]) throws {
        guard sha256.count == 32 else {
            throw GoverError.corruptArchive(file: name, reason: "a SHA-256 digest must be 32 bytes, not \(sha256.count)")
        }
        guard !name.utf8.contains(0x0A) else {
            throw GoverError.unsafeArchive(entry: name, reason: "has a newline in its name, which the module hash (dirhash) does not support")
        }
        let bytes = Array(name.utf8)
        guard names.insert(bytes).inserted else {
            throw GoverError.unsafeArchive(entry: name, reason: "appears twice")
        }
        files.append((bytes, sha256))
    }

    public var count: Int { files.count }

    /// `h1:` and the base64 SHA-256 of the sorted summary lines. Refuses an empty module:
    /// dirhash would hash it, but no toolchain is empty, so it can only be a broken extraction.
    public func finalize() throws -> String {
        guard !files.isEmpty else {
            throw GoverError.corruptArchive(file: "module", reason: "no files to hash")
        }
        let sorted = files.sorted { $0.name.lexicographicallyPrecedes($1.name) }
        var hasher = SHA256()
        for file in sorted {
            hasher.update(data: Array(lowercaseHex(file.digest).utf8))
            hasher.update(data: Array("  ".utf8))
            hasher.update(data: file.name)
            hasher.update(data: [0x0A])
        }
        return "h1:" + Base64.encode(Array(hasher.finalize()))
    }
}

func lowercaseHex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var output: [UInt8] = []
    output.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        output.append(digits[Int(byte >> 4)])
        output.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: output, as: UTF8.self)
}
