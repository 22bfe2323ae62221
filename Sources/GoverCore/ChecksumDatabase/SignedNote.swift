import Crypto

// A port of golang.org/x/mod/sumdb/note: the signed-note format the Go checksum database
// signs its tree heads with. The checks and limits are the go command's, so gover accepts
// exactly the notes it accepts.

/// The failure every layer of the checksum-database code throws for an answer that does not
/// verify. The layers below the client do not know the database's name; the client fills it in.
func checksumRejection(_ reason: String) -> GoverError {
    .checksumDatabaseRejected(name: "", reason: reason)
}

/// A note-verifier key: `<name>+<8 hex digits of key hash>+<base64 of algorithm byte and key>`.
/// Only Ed25519 (algorithm 1) exists, as in x/mod.
struct NoteVerifier: Sendable {
    let name: String
    let keyHash: UInt32
    let publicKey: Curve25519.Signing.PublicKey

    static let algorithmEd25519: UInt8 = 1

    /// Parses a verifier key as `note.NewVerifier` does; the reasons are x/mod's errors.
    init(verifierKey: String) throws {
        let (name, rest) = chop(verifierKey, "+")
        let (hash16, key64) = chop(rest, "+")
        guard hash16.utf8.count == 8, let hash = parseHex32(hash16), let key = Base64.decode(key64),
              isValidNoteName(name), !key.isEmpty
        else { throw checksumRejection("malformed verifier id") }
        guard hash == noteKeyHash(name: name, key: key) else { throw checksumRejection("invalid verifier hash") }
        guard key[0] == Self.algorithmEd25519 else { throw checksumRejection("unknown verifier algorithm") }
        guard key.count == 33, let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key[1...])
        else { throw checksumRejection("malformed verifier id") }
        self.name = name
        self.keyHash = hash
        self.publicKey = publicKey
    }

    func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        publicKey.isValidSignature(signature, for: message)
    }
}

/// A note-signer key, `PRIVATE+KEY+<name>+<hash>+<base64 of algorithm byte and seed>`: gover
/// never signs, but the tests sign tree heads with x/mod's own test keys to check a client
/// against what a database would serve.
struct NoteSigner {
    let name: String
    let keyHash: UInt32
    let privateKey: Curve25519.Signing.PrivateKey

    init(signerKey: String) throws {
        let (private1, rest1) = chop(signerKey, "+")
        let (private2, rest2) = chop(rest1, "+")
        let (name, rest3) = chop(rest2, "+")
        let (hash16, key64) = chop(rest3, "+")
        guard private1 == "PRIVATE", private2 == "KEY", hash16.utf8.count == 8, let hash = parseHex32(hash16),
              let key = Base64.decode(key64), isValidNoteName(name), !key.isEmpty
        else { throw checksumRejection("malformed verifier id") }
        guard key[0] == NoteVerifier.algorithmEd25519 else { throw checksumRejection("unknown verifier algorithm") }
        guard key.count == 33, let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: key[1...])
        else { throw checksumRejection("malformed verifier id") }
        let publicKey = [NoteVerifier.algorithmEd25519] + Array(privateKey.publicKey.rawRepresentation)
        guard hash == noteKeyHash(name: name, key: publicKey) else { throw checksumRejection("invalid verifier hash") }
        self.name = name
        self.keyHash = hash
        self.privateKey = privateKey
    }

    /// The verifier key of this signer, in the form `NoteVerifier(verifierKey:)` parses.
    var verifierKey: String {
        let publicKey = [NoteVerifier.algorithmEd25519] + Array(privateKey.publicKey.rawRepresentation)
        return "\(name)+\(hex32(keyHash))+\(Base64.encode(publicKey))"
    }
}

/// One signature line of a note: `— <name> <base64 of 4-byte key hash and signature>`.
struct NoteSignature: Equatable, Sendable {
    let name: String
    let keyHash: UInt32
    let base64: String
}

/// A note whose text carries at least one valid signature by a known key.
struct SignedNote: Sendable {
    /// The signed text, ending in a newline.
    let text: [UInt8]
    let signatures: [NoteSignature]
    /// Signatures by keys not among the verifiers: allowed, ignored (as `note.Open`).
    let unverifiedSignatures: [NoteSignature]

    /// Most signature lines a note may have, from `note.Open`: bounds the work a hostile
    /// note can cause.
    static let maxSignatures = 100

    private static let signaturePrefix: [UInt8] = Array("— ".utf8)

    /// Parses and verifies `message` as `note.Open` does: the same syntax, the same limits,
    /// the same handling of unknown and duplicated signatures. Throws unless at least one
    /// signature by one of `verifiers` is valid, or if any such signature is invalid.
    static func open(_ message: [UInt8], verifiers: [NoteVerifier]) throws -> SignedNote {
        let malformed = checksumRejection("malformed note")
        // Valid UTF-8 without control characters other than newline.
        guard let decoded = String(validating: message, as: UTF8.self),
              !decoded.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" })
        else { throw malformed }

        guard let split = lastIndex(of: [0x0A, 0x0A], in: message) else { throw malformed }
        let text = Array(message[..<(split + 1)])
        var signatureBlock = message[(split + 2)...]
        guard let last = signatureBlock.last, last == 0x0A else { throw malformed }

        var signatures: [NoteSignature] = []
        var unverified: [NoteSignature] = []
        var seenVerified = Set<String>()
        var seenUnverifiedLines = Set<[UInt8]>()
        var count = 0
        while let newline = signatureBlock.firstIndex(of: 0x0A) {
            var line = Array(signatureBlock[..<newline])
            signatureBlock = signatureBlock[(newline + 1)...]
            guard line.starts(with: signaturePrefix) else { throw malformed }
            line.removeFirst(signaturePrefix.count)
            let (name, b64) = chop(String(decoding: line, as: UTF8.self), " ")
            guard let signature = Base64.decode(b64), isValidNoteName(name), !b64.isEmpty, signature.count >= 5
            else { throw malformed }
            let hash = UInt32(signature[0]) << 24 | UInt32(signature[1]) << 16 | UInt32(signature[2]) << 8
                | UInt32(signature[3])
            count += 1
            guard count <= maxSignatures else { throw malformed }

            let matching = verifiers.filter { $0.name == name && $0.keyHash == hash }
            guard let verifier = matching.first else {
                if seenUnverifiedLines.insert(line).inserted {
                    unverified.append(NoteSignature(name: name, keyHash: hash, base64: b64))
                }
                continue
            }
            guard matching.count == 1 else { throw checksumRejection("ambiguous key \(name)+\(hex32(hash))") }
            // The same key signing twice counts once; only its first signature is checked.
            guard seenVerified.insert("\(name)+\(hex32(hash))").inserted else { continue }
            guard verifier.verify(message: text, signature: Array(signature[4...])) else {
                throw checksumRejection("invalid signature for key \(name)+\(hex32(hash))")
            }
            signatures.append(NoteSignature(name: name, keyHash: hash, base64: b64))
        }
        guard !signatures.isEmpty else { throw checksumRejection("note has no verifiable signatures") }
        return SignedNote(text: text, signatures: signatures, unverifiedSignatures: unverified)
    }

    /// Signs `text` (which must end in a newline) as `note.Sign` does.
    static func sign(text: [UInt8], signers: [NoteSigner]) throws -> [UInt8] {
        guard text.last == 0x0A else { throw checksumRejection("malformed note") }
        var result = text
        result.append(0x0A)
        for signer in signers {
            guard isValidNoteName(signer.name) else { throw checksumRejection("invalid signer") }
            let signature = try signer.privateKey.signature(for: text)
            let hash = signer.keyHash
            let bytes = [UInt8(hash >> 24), UInt8(hash >> 16 & 0xFF), UInt8(hash >> 8 & 0xFF), UInt8(hash & 0xFF)]
                + Array(signature)
            result += Array("— \(signer.name) \(Base64.encode(bytes))\n".utf8)
        }
        return result
    }
}

/// The key hash of `note`: the first four bytes of SHA-256(name, newline, key), big-endian.
func noteKeyHash(name: String, key: [UInt8]) -> UInt32 {
    var hasher = SHA256()
    hasher.update(data: Array(name.utf8) + [0x0A] + key)
    let digest = Array(hasher.finalize())
    return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
}

/// A key or signer name: non-empty, no white space (Unicode's, as Go's `unicode.IsSpace`), no `+`.
func isValidNoteName(_ name: String) -> Bool {
    !name.isEmpty && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "+" }
}

/// `strings.Cut`-like split at the first `separator`; the rest is empty when it is absent.
func chop(_ text: String, _ separator: Character) -> (String, String) {
    guard let index = text.firstIndex(of: separator) else { return (text, "") }
    return (String(text[..<index]), String(text[text.index(after: index)...]))
}

/// Exactly 8 hex digits (either case, as Go's `ParseUint(_, 16, 32)` with the length check).
private func parseHex32(_ text: String) -> UInt32? {
    guard text.utf8.count == 8, text.utf8.allSatisfy({ $0.isHexDigit }) else { return nil }
    return UInt32(text, radix: 16)
}

func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}

private extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}

private func lastIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    var index = haystack.count - needle.count
    while index >= 0 {
        if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
        index -= 1
    }
    return nil
}
