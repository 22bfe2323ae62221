/// Standard base64 (RFC 4648 alphabet, `=` padding), as Go's `base64.StdEncoding`, which is
/// what signed notes, verifier keys, tree hashes and `h1:` hashes use.
///
/// Decoding is strict where it matters for a parser of hostile input: only the standard
/// alphabet, padding required and only at the end, no whitespace or line breaks (Go skips
/// `\r` and `\n`, but the notes that reach here have already refused control characters, so
/// no answer Go accepts is refused). Like Go's default (non-`Strict`) decoder it does accept
/// non-zero unused bits in the last character, so exactly Go's set of hashes parses.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
            output.append(alphabet[Int(value >> 6 & 63)])
            output.append(alphabet[Int(value & 63)])
            index += 3
        }
        switch input.count - index {
        case 1:
            let value = UInt32(input[index]) << 16
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
            output.append(contentsOf: "==".utf8)
        case 2:
            let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
            output.append(alphabet[Int(value >> 6 & 63)])
            output.append(UInt8(ascii: "="))
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The decoded bytes, or nil for anything that is not padded standard base64.
    /// The empty string decodes to no bytes, as in Go.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            var values: [UInt32] = []
            var padding = 0
            for offset in 0..<4 {
                let byte = input[index + offset]
                if byte == UInt8(ascii: "=") {
                    // Padding only in the last quantum, only in its last one or two places.
                    guard isLast, offset >= 2 else { return nil }
                    padding += 1
                    continue
                }
                guard padding == 0 else { return nil }  // data after padding
                let value = decodeTable[Int(byte)]
                guard value != 0xFF else { return nil }
                values.append(UInt32(value))
            }
            while values.count < 4 { values.append(0) }
            let combined = values[0] << 18 | values[1] << 12 | values[2] << 6 | values[3]
            output.append(UInt8(combined >> 16 & 0xFF))
            if padding < 2 { output.append(UInt8(combined >> 8 & 0xFF)) }
            if padding < 1 { output.append(UInt8(combined & 0xFF)) }
            index += 4
        }
        return output
    }
}
