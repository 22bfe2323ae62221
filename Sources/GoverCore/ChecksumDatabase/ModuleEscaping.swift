/// Module paths and versions as they appear in proxy and checksum-database URLs
/// (`golang.org/x/mod/module` `EscapePath`/`EscapeVersion`): upper-case letters become `!`
/// and the lower-case letter, so that case-insensitive file systems can serve them.
enum ModuleEscaping {
    /// `module.EscapePath`: checks the path (a subset of `CheckPath`: what a proxy path needs)
    /// and replaces each upper-case letter with `!` and its lower-case form.
    static func escapePath(_ path: String) -> String? {
        let elements = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, elements.allSatisfy({ isValidElement($0, allowed: isModulePathByte) }),
              !elements.contains(where: { $0.hasPrefix(".") }), let first = elements.first, first.contains(".")
        else { return nil }
        return escape(path)
    }

    /// `module.EscapeVersion`: a version is one file-name element without `!`.
    static func escapeVersion(_ version: String) -> String? {
        guard isValidElement(Substring(version), allowed: isVersionByte) else { return nil }
        return escape(version)
    }

    private static func escape(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            if ("A"..."Z").contains(scalar) {
                output += "!" + String(Character(scalar)).lowercased()
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    private static func isValidElement(_ element: Substring, allowed: (UInt8) -> Bool) -> Bool {
        // Not empty, not all dots, no trailing dot, only allowed bytes (ASCII: escaping
        // refuses anything else). Windows-reserved names do not occur in toolchain versions.
        !element.isEmpty && !element.allSatisfy({ $0 == "." }) && !element.hasSuffix(".")
            && element.utf8.allSatisfy(allowed)
    }

    private static func isModulePathByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "-._~".utf8.contains(byte)
    }

    /// `fileNameOK` for ASCII, minus `!` (which escaping reserves).
    private static func isVersionByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "#$%&()+,-.=@[]^_{}~ ".utf8.contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
