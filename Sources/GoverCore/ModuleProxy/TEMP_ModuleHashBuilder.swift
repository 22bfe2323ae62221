// TEMPORARY: replaced by the ChecksumDatabase branch's ModuleHashBuilder at merge.
import Crypto
struct ModuleHashBuilder {
    private var lines: [(String, [UInt8])] = []
    mutating func add(name: String, sha256: [UInt8]) throws { lines.append((name, sha256)) }
    func finalize() throws -> String {
        var hasher = SHA256()
        for (name, digest) in lines.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }) {
            hasher.update(data: Array((digest.map { byteHex($0) }.joined() + "  " + name + "\n").utf8))
        }
        return "h1:" + base64Encode(Array(hasher.finalize()))
    }
}
func base64Encode(_ bytes: [UInt8]) -> String {
    let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var out: [UInt8] = []
    var i = 0
    while i < bytes.count {
        let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
        out.append(table[Int(b0 >> 2)]); out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
        out.append(i + 1 < bytes.count ? table[Int((b1 & 15) << 2 | b2 >> 6)] : 61)
        out.append(i + 2 < bytes.count ? table[Int(b2 & 63)] : 61)
        i += 3
    }
    return String(decoding: out, as: UTF8.self)
}
