/// The marked block `gover init` owns inside a start-up file:
///
///     # >>> gover >>>
///     ...
///     # <<< gover <<<
///
/// Editing works on bytes, so a file that is not valid UTF-8 comes back unchanged outside
/// the block. Adding appends the block after one separating newline; removing takes out the
/// block and that newline, so add-then-remove gives back the original bytes.
public enum ManagedBlock {
    public static let begin = "# >>> gover >>>"
    public static let end = "# <<< gover <<<"

    /// The block `gover init` writes for `shell`: the env script.
    public static func forShell(_ shell: Shell, script: EnvScript) -> String {
        wrap(script.render(for: shell),
             comment: "# Managed by `gover init` (remove with `gover init --remove`): gover's Go first on PATH, no GOROOT.")
    }

    /// The full block (markers included, ending in a newline) around `body`.
    public static func wrap(_ body: String, comment: String) -> String {
        var text = begin + "\n" + comment + "\n" + body
        if !text.hasSuffix("\n") { text += "\n" }
        return text + end + "\n"
    }

    /// Where the first block is: from its begin line to just after its end line's newline.
    /// Nil when there is none; throws when a begin line has no end line.
    static func locate(in bytes: [UInt8], path: String) throws -> Range<Int>? {
        let beginBytes = Array(begin.utf8)
        let endBytes = Array(end.utf8)
        var start: Int?
        var lineStart = 0
        while lineStart < bytes.count {
            let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n"))
            let lineEnd = newline ?? bytes.count
            var line = bytes[lineStart..<lineEnd]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let next = newline.map { $0 + 1 } ?? bytes.count
            if start == nil, line.elementsEqual(beginBytes) {
                start = lineStart
            } else if let begun = start, line.elementsEqual(endBytes) {
                return begun..<next
            }
            lineStart = next
        }
        if start != nil { throw GoverError.rcBlockDamaged(path: path) }
        return nil
    }

    /// `bytes` with `block` in it: replaced where a block is, else appended. Equal input
    /// when the same block is already there.
    static func installing(_ block: String, into bytes: [UInt8], path: String) throws -> [UInt8] {
        let blockBytes = Array(block.utf8)
        if let range = try locate(in: bytes, path: path) {
            var result = bytes
            result.replaceSubrange(range, with: blockBytes)
            return result
        }
        return bytes.isEmpty ? blockBytes : bytes + [UInt8(ascii: "\n")] + blockBytes
    }

    /// `bytes` without any gover block (and without the newline added before each).
    static func removing(from bytes: [UInt8], path: String) throws -> [UInt8] {
        var result = bytes
        while let range = try locate(in: result, path: path) {
            var lower = range.lowerBound
            if lower > 0 && result[lower - 1] == UInt8(ascii: "\n") { lower -= 1 }
            result.removeSubrange(lower..<range.upperBound)
        }
        return result
    }

    /// Whether `bytes` holds exactly `block`.
    static func contains(_ block: String, in bytes: [UInt8]) -> Bool {
        guard let range = try? locate(in: bytes, path: "") else { return false }
        return bytes[range].elementsEqual(block.utf8)
    }
}
