/// Where the database's verified tree head is kept between runs (gover keeps it in its cache).
/// `load` returns nil when there is none yet. Only signed notes that verified are saved.
public protocol TreeHeadStore {
    func load() throws -> [UInt8]?
    func save(_ note: [UInt8]) throws
}

/// Full tiles of the log kept between lookups (the go command keeps them in its module
/// cache): a full tile never changes, and most of a lookup's ~10 tiles are the same as the
/// last one's. Nothing loaded is trusted: stored tiles are authenticated like fetched ones,
/// and a lookup that fails with any of them is proven again from the server's tiles alone.
/// Only tiles of a lookup that verified are saved. Both are best effort (nil, no error).
public protocol TileStore {
    /// The tile at `path` (`tile/8/0/x001/234`), if stored with exactly `length` bytes.
    func load(_ path: String, length: Int) -> [UInt8]?
    /// The full tiles of one verified lookup, by path.
    func save(_ tiles: [String: [UInt8]])
}

/// Looks up and verifies go.sum lines in a Go checksum database, as the go command's client
/// (golang.org/x/mod/sumdb `Client.Lookup`) does: the answer's tree head must be signed by the
/// configured key and consistent with the tree head seen before, and the record must be
/// proven to be in that tree by tiles authenticated against the signed tree hash.
///
/// It does no networking itself: `fetch(url, limit)` returns the body at `url`, refusing
/// bodies over `limit` bytes, and throws (a `GoverError`) for anything else, including an
/// error status. Its errors pass through unchanged.
public struct ChecksumDatabaseClient {
    public let setting: ChecksumDatabaseSetting
    public let baseURL: String
    private let treeHeads: TreeHeadStore
    private let storedTiles: TileStore?
    private let fetch: (_ url: String, _ limit: Int) throws -> [UInt8]
    /// The go command's client uses tiles of height 8 (`Client.initWork`); tests use smaller
    /// ones to exercise several tile levels with small trees.
    let tileHeight: Int

    /// The largest lookup answer read. An answer is one record (a few go.sum lines) and a
    /// signed tree note (three lines and a signature or a few): well under 1 KiB in practice.
    /// x/mod reads any size; 64 KiB leaves room for up to `SignedNote.maxSignatures` long
    /// signature lines and still bounds what a hostile server can make gover hold.
    static let lookupLimit = 64 * 1024

    public init(setting: ChecksumDatabaseSetting, baseURL: String, treeHeads: TreeHeadStore, tiles: TileStore? = nil,
                fetch: @escaping (_ url: String, _ limit: Int) throws -> [UInt8]) {
        self.init(setting: setting, baseURL: baseURL, treeHeads: treeHeads, tiles: tiles, tileHeight: 8, fetch: fetch)
    }

    init(setting: ChecksumDatabaseSetting, baseURL: String, treeHeads: TreeHeadStore, tiles: TileStore? = nil, tileHeight: Int,
         fetch: @escaping (_ url: String, _ limit: Int) throws -> [UInt8]) {
        self.setting = setting
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.treeHeads = treeHeads
        self.storedTiles = tiles
        self.tileHeight = tileHeight
        self.fetch = fetch
    }

    /// The verified go.sum lines of the record for `path`@`version` (those starting with
    /// `<path> <version> `; `version` may end in `/go.mod`). Throws `noChecksumRecord` unless
    /// the record has the line `<path> <version> h1:…`: an authentic record without it proves
    /// nothing about this version. (The go command took lines from the whole answer, signed
    /// note included, and accepted answers without the line, until a 2026 security fix.)
    public func lookup(path: String, version: String) throws -> [String] {
        do {
            return try verifiedLines(path: path, version: version)
        } catch GoverError.checksumDatabaseRejected(let name, let reason) where name.isEmpty {
            throw GoverError.checksumDatabaseRejected(name: setting.name, reason: "\(path)@\(version): \(reason)")
        }
    }

    /// The `h1:` hash the database records for the module zip of exactly `path`@`version`.
    public func moduleHash(path: String, version: String) throws -> String {
        let prefix = "\(path) \(version) h1:"
        let hashes = Set(try lookup(path: path, version: version).compactMap { line -> String? in
            guard line.hasPrefix(prefix) else { return nil }
            return String(line.dropFirst(prefix.count - "h1:".count))
        })
        guard hashes.count == 1, let hash = hashes.first else {
            throw GoverError.checksumDatabaseRejected(
                name: setting.name, reason: "\(path)@\(version): the record has \(hashes.count) different h1: hashes")
        }
        guard let digest = Base64.decode(hash.dropFirst(3)), digest.count == 32 else {
            throw GoverError.checksumDatabaseRejected(
                name: setting.name, reason: "\(path)@\(version): '\(terminalSafe(hash))' is not an h1: hash")
        }
        return hash
    }

    // MARK: Verification

    private func verifiedLines(path: String, version: String) throws -> [String] {
        let verifier: NoteVerifier
        do {
            verifier = try NoteVerifier(verifierKey: setting.verifierKey)
        } catch GoverError.checksumDatabaseRejected(_, let reason) {
            throw GoverError.invalidModuleSetting(name: "GOSUMDB", value: setting.verifierKey, reason: reason)
        }
        guard verifier.name == setting.name else {
            throw GoverError.invalidModuleSetting(
                name: "GOSUMDB", value: setting.verifierKey, reason: "the key is for \(verifier.name), not \(setting.name)")
        }
        let bareVersion = version.hasSuffix("/go.mod") ? String(version.dropLast("/go.mod".count)) : version
        guard let escapedPath = ModuleEscaping.escapePath(path), let escapedVersion = ModuleEscaping.escapeVersion(bareVersion)
        else { throw checksumRejection("not a module path and version the database can be asked for") }

        let answer = try fetch("\(baseURL)/lookup/\(escapedPath)@\(escapedVersion)", Self.lookupLimit)
        guard answer.count <= Self.lookupLimit else {
            throw checksumRejection("the lookup answer has more than \(Self.lookupLimit) bytes")
        }
        let record = try LogRecord(answer)
        var session = Session(client: self, verifier: verifier, storedTiles: storedTiles)
        do {
            let latest = try session.mergeWithSavedTreeHead(record.rest)
            try session.checkRecord(id: record.id, text: record.text, in: latest)
        } catch GoverError.checksumDatabaseRejected where session.readStoredTiles {
            // A stored tile may be what failed (a damaged or edited cache): the server's tiles
            // decide, and replace it. A real fork or a bad answer fails the same way again.
            session = Session(client: self, verifier: verifier, storedTiles: nil)
            let latest = try session.mergeWithSavedTreeHead(record.rest)
            try session.checkRecord(id: record.id, text: record.text, in: latest)
        }
        // Every tile the session read was authenticated against a signed tree head.
        if !session.fetchedFullTiles.isEmpty {
            storedTiles?.save(Dictionary(uniqueKeysWithValues: session.fetchedFullTiles.map { ($0.key.path, $0.value) }))
        }

        // Only the authenticated record text counts, never the rest of the answer.
        let linePrefix = "\(path) \(version) "
        let lines = String(decoding: record.text, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix(linePrefix) }
        guard lines.contains(where: { $0.hasPrefix(linePrefix + "h1:") }) else {
            throw GoverError.noChecksumRecord(database: setting.name, module: "\(path)@\(version)")
        }
        return lines
    }

    /// The state of one lookup: the key, and the tiles read so far (x/mod's tile cache), so the
    /// tree-consistency check and the record check fetch each tile once.
    private final class Session: LogTileReader {
        let client: ChecksumDatabaseClient
        let verifier: NoteVerifier
        let storedTiles: TileStore?
        var tileCache: [LogTile: [UInt8]] = [:]
        /// Whether any tile came from `storedTiles`.
        private(set) var readStoredTiles = false
        /// Full tiles fetched from the server, to store once the lookup verified.
        private(set) var fetchedFullTiles: [LogTile: [UInt8]] = [:]

        init(client: ChecksumDatabaseClient, verifier: NoteVerifier, storedTiles: TileStore?) {
            self.client = client
            self.verifier = verifier
            self.storedTiles = storedTiles
        }

        var height: Int { client.tileHeight }

        /// The signed tree head in `note`, verified.
        func openTree(_ note: [UInt8]) throws -> LogTree {
            let opened = try SignedNote.open(note, verifiers: [verifier])
            return try LogTree(noteText: opened.text)
        }

        /// Merges the answer's tree head with the saved one (x/mod `mergeLatest`): whichever is
        /// older must be a prefix of the newer; a newer one is saved. Returns the newest.
        func mergeWithSavedTreeHead(_ answerNote: [UInt8]) throws -> LogTree {
            let answerTree: LogTree
            do {
                answerTree = try openTree(answerNote)
            } catch GoverError.checksumDatabaseRejected(_, let reason) {
                throw checksumRejection("reading the tree note: \(reason)")
            }
            let saved = try loadSavedTree()
            if answerTree.size <= saved.size {
                try checkTrees(older: answerTree, newer: saved, olderIsSaved: false)
                return saved
            }
            try checkTrees(older: saved, newer: answerTree, olderIsSaved: true)
            // Another gover may have saved a newer head meanwhile: keep the newest (x/mod
            // re-reads its config file the same way before writing it).
            let current = try loadSavedTree()
            if current.size > answerTree.size {
                try checkTrees(older: answerTree, newer: current, olderIsSaved: false)
                return current
            }
            if current.size < answerTree.size {
                try checkTrees(older: current, newer: answerTree, olderIsSaved: true)
                try client.treeHeads.save(answerNote)
            }
            return answerTree
        }

        private func loadSavedTree() throws -> LogTree {
            guard let note = try client.treeHeads.load(), !note.isEmpty else { return .empty }
            do {
                return try openTree(note)
            } catch GoverError.checksumDatabaseRejected(_, let reason) {
                throw checksumRejection(
                    "the tree head gover saved before does not verify (\(reason)); "
                        + "if the key in GOSUMDB changed on purpose, remove the saved tree head")
            }
        }

        /// Proves `older` is a prefix of `newer` (x/mod `checkTrees`): the hash of older's size,
        /// computed from tiles authenticated by newer's hash, must be older's hash.
        func checkTrees(older: LogTree, newer: LogTree, olderIsSaved: Bool) throws {
            // Trees of one size are consistent exactly when their hashes are equal. x/mod computes
            // the hash from tiles here too, which adds nothing for equal hashes and for unequal
            // ones reports "downloaded inconsistent tile" where the fact is a fork.
            if older.size == newer.size {
                guard older.hash == newer.hash else { throw fork(older: older, newer: newer, computed: newer.hash, olderIsSaved: olderIsSaved) }
                return
            }
            let hash: LogHash
            do {
                hash = try TransparencyLog.treeHash(older.size, reader: TileHashReader(tree: newer, tiles: self))
            } catch GoverError.checksumDatabaseRejected(_, let reason) {
                throw checksumRejection(older.size == newer.size
                    ? "checking tree #\(older.size): \(reason)"
                    : "checking tree #\(older.size) against tree #\(newer.size): \(reason)")
            }
            guard hash == older.hash else { throw fork(older: older, newer: newer, computed: hash, olderIsSaved: olderIsSaved) }
        }

        private func fork(older: LogTree, newer: LogTree, computed: LogHash, olderIsSaved: Bool) -> GoverError {
            let (saved, answered) = olderIsSaved ? (older, newer) : (newer, older)
            return checksumRejection(
                "the database's tree forks from the one gover saw before: its tree of \(answered.size) records "
                    + "(hash \(answered.hash)) is inconsistent with the saved tree of \(saved.size) records "
                    + "(hash \(saved.hash)); the tree of \(older.size) records hashes to \(computed) in the tree of "
                    + "\(newer.size) (a fork or a rollback): refusing")
        }

        /// Proves record `id` with `text` is in `tree` (x/mod `checkRecord`).
        func checkRecord(id: Int64, text: [UInt8], in tree: LogTree) throws {
            guard id < tree.size else {
                throw checksumRejection("cannot validate record \(id) in a tree of size \(tree.size)")
            }
            let hashes = try TileHashReader(tree: tree, tiles: self)
                .readHashes([TransparencyLog.storedHashIndex(level: 0, id)])
            guard hashes.first == TransparencyLog.recordHash(text) else {
                throw checksumRejection("cannot authenticate the record data in the answer")
            }
        }

        func readTiles(_ tiles: [LogTile]) throws -> [[UInt8]] {
            try tiles.map(readTile)
        }

        /// One tile from the cache or the server. A partial tile the server no longer has is
        /// read as the prefix of the full tile (x/mod `readTile`): the log may have grown.
        private func readTile(_ tile: LogTile) throws -> [UInt8] {
            if let cached = tileCache[tile] { return cached }
            let length = tile.width * LogHash.size
            let fullLength = (1 << tile.height) * LogHash.size
            if length == fullLength, let stored = storedTiles?.load(tile.path, length: length), stored.count == length {
                readStoredTiles = true
                tileCache[tile] = stored
                return stored
            }
            var data: [UInt8]
            do {
                data = try fetchTile(tile, length: length)
                if length == fullLength { fetchedFullTiles[tile] = data }
            } catch let partialError {
                guard length < fullLength else { throw partialError }
                var full = tile
                full.width = 1 << tile.height
                guard let fullData = try? fetchTile(full, length: fullLength) else { throw partialError }
                data = Array(fullData.prefix(length))
            }
            tileCache[tile] = data
            return data
        }

        private func fetchTile(_ tile: LogTile, length: Int) throws -> [UInt8] {
            let data = try client.fetch("\(client.baseURL)/\(tile.path)", length)
            guard data.count == length else {
                throw checksumRejection("tile \(tile.path) has \(data.count) bytes, want \(length)")
            }
            return data
        }
    }
}
