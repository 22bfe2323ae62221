// A port of golang.org/x/mod/sumdb/tlog/tile.go: the log's hashes served as tiles, and the
// reader that authenticates downloaded tiles against a signed tree hash before using any hash
// from them.

/// A tile of height H at level L, number N, lists W consecutive hashes at level H*L of the
/// tree, starting at N*2^H. A complete tile has 2^H hashes; a partial one fewer. Level -1
/// holds record data instead of hashes (path element `data`).
struct LogTile: Hashable, Sendable {
    var height: Int
    var level: Int
    var number: Int64
    var width: Int

    /// Path elements encode N three digits at a time, so no directory has over 3000 entries.
    private static let pathBase: Int64 = 1000

    /// The x/mod zero value, "no tile", which `parent(_:treeSize:)` returns at the top.
    static let none = LogTile(height: 0, level: 0, number: 0, width: 0)

    /// The tile of height h with the least width that stores `index` (`tlog.TileForIndex`),
    /// and the byte range within its data whose tile hash is the hash at `index`.
    static func containing(index: Int64, height h: Int) -> (tile: LogTile, start: Int, end: Int) {
        var (level, n) = TransparencyLog.splitStoredHashIndex(index)
        let tileLevel = level / h
        level -= tileLevel * h  // now the level within the tile
        let number = (n << level) >> h
        n -= (number << h) >> level  // now n within the tile at that level
        let width = Int((n + 1) << level)
        let tile = LogTile(height: h, level: tileLevel, number: number, width: width)
        return (tile, Int(n << level) * LogHash.size, Int((n + 1) << level) * LogHash.size)
    }

    /// The hash at storage `index` from this tile's `data` (`tlog.HashFromTile`): this tile must
    /// be the one `containing(index:)` names, or a wider one.
    func hash(at index: Int64, data: [UInt8]) throws -> LogHash {
        guard height >= 1, height <= 30, level >= 0, level < 64, width >= 1, width <= 1 << height else {
            throw checksumRejection("invalid tile \(path)")
        }
        guard data.count >= width * LogHash.size else {
            throw checksumRejection("data length \(data.count) too short for tile \(path)")
        }
        let (tile, start, end) = Self.containing(index: index, height: height)
        guard level == tile.level, number == tile.number, width >= tile.width else {
            throw checksumRejection("index \(index) is in \(tile.path) not \(path)")
        }
        return Self.tileHash(data[start..<end])
    }

    /// The subtree hash of the 2^k hashes in `data`.
    static func tileHash(_ data: ArraySlice<UInt8>) -> LogHash {
        guard !data.isEmpty else { preconditionFailure("bad math in tileHash") }
        if data.count == LogHash.size {
            return LogHash(Array(data))!
        }
        let middle = data.startIndex + data.count / 2
        return TransparencyLog.nodeHash(tileHash(data[..<middle]), tileHash(data[middle...]))
    }

    /// The tiles of height h to publish when the log grows from `oldSize` to `newSize` records
    /// (`tlog.NewTiles`).
    static func newTiles(height h: Int, oldSize: Int64, newSize: Int64) -> [LogTile] {
        var tiles: [LogTile] = []
        var level = 0
        while newSize >> (h * level) > 0 {
            let oldN = oldSize >> (h * level)
            let newN = newSize >> (h * level)
            var n = oldN >> h
            while n < newN >> h {
                tiles.append(LogTile(height: h, level: level, number: n, width: 1 << h))
                n += 1
            }
            // The partial tile at the end, if it grew. (go1.22's vendored x/mod also lists every
            // width in between; current x/mod lists only the new one, which is what a server
            // publishes and what x/mod's TestNewTilesForSize expects.)
            n = newN >> h
            let newWidth = Int(newN - n << h)
            let oldWidth = oldN > n << h ? Int(oldN - n << h) : 0
            if newWidth > oldWidth {
                tiles.append(LogTile(height: h, level: level, number: n, width: newWidth))
            }
            level += 1
        }
        return tiles
    }

    /// The data of this tile, read from `reader` (`tlog.ReadTileData`).
    func data(from reader: LogHashReader) throws -> [UInt8] {
        let count = width == 0 ? 1 << height : width
        let start = number << height
        let indexes = (0..<count).map { TransparencyLog.storedHashIndex(level: height * level, start + Int64($0)) }
        let hashes = try reader.readHashes(indexes)
        guard hashes.count == indexes.count else { throw checksumRejection("read \(hashes.count) of \(indexes.count) hashes") }
        return hashes.flatMap(\.bytes)
    }

    /// `tile/H/L/NNN[.p/W]`, e.g. `tile/8/0/x001/234.p/5` (`Tile.Path`).
    var path: String {
        var n = number
        var numberPath = threeDigits(n % Self.pathBase)
        while n >= Self.pathBase {
            n /= Self.pathBase
            numberPath = "x" + threeDigits(n % Self.pathBase) + "/" + numberPath
        }
        let partial = width == 1 << height ? "" : ".p/\(width)"
        let levelPath = level == -1 ? "data" : String(level)
        return "tile/\(height)/\(levelPath)/\(numberPath)\(partial)"
    }

    /// Parses a tile path (`tlog.ParseTilePath`): only the canonical form is accepted.
    init(path: String) throws {
        let bad = checksumRejection("malformed tile path \(path)")
        var fields = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 4, fields[0] == "tile" else { throw bad }
        var isData = false
        if fields[2] == "data" {
            isData = true
            fields[2] = "0"
        }
        guard let height = goAtoi(fields[1]), let level = goAtoi(fields[2]), height >= 1, level >= 0, height <= 30 else {
            throw bad
        }
        var width = 1 << height
        let dotP = fields[fields.count - 2]
        if dotP.hasSuffix(".p") {
            guard let partialWidth = goAtoi(fields[fields.count - 1]), partialWidth > 0, partialWidth < width else {
                throw bad
            }
            width = partialWidth
            fields[fields.count - 2] = String(dotP.dropLast(2))
            fields.removeLast()
        }
        var number: Int64 = 0
        for element in fields[3...] {
            let digits = element.hasPrefix("x") ? String(element.dropFirst()) : element
            guard let value = goAtoi(digits), value >= 0, Int64(value) < Self.pathBase else { throw bad }
            let (times, overflow1) = number.multipliedReportingOverflow(by: Self.pathBase)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(value))
            guard !overflow1, !overflow2 else { throw bad }
            number = sum
        }
        self.init(height: height, level: isData ? -1 : level, number: number, width: width)
        guard self.path == path else { throw bad }
    }

    init(height: Int, level: Int, number: Int64, width: Int) {
        self.height = height
        self.level = level
        self.number = number
        self.width = width
    }

    /// This tile's k-th parent in the tiles of a tree of `treeSize` records, or `.none`.
    func parent(_ k: Int, treeSize n: Int64) -> LogTile {
        var tile = self
        tile.level += k
        tile.number >>= k * height
        tile.width = 1 << height
        let max = n >> (tile.level * height)
        if tile.number << height + Int64(tile.width) >= max {
            if tile.number << height >= max { return .none }
            tile.width = Int(max - tile.number << height)
        }
        return tile
    }
}

private func threeDigits(_ value: Int64) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
}

/// `strconv.Atoi` for the small numbers of tile paths: an optional sign and decimal digits.
private func goAtoi(_ text: String) -> Int? {
    var body = Substring(text)
    if body.hasPrefix("+") || body.hasPrefix("-") { body = body.dropFirst() }
    guard !body.isEmpty, body.count <= 18, body.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
    return Int(text)
}

/// Reads the tiles a `TileHashReader` asks for; `readTiles` returns one data block per tile.
protocol LogTileReader {
    var height: Int { get }
    func readTiles(_ tiles: [LogTile]) throws -> [[UInt8]]
}

/// A hash reader backed by tiles of one signed tree (`tlog.TileHashReader`). Every tile is
/// authenticated before any hash is returned: the tiles along the tree's right edge must hash
/// to the tree hash, and every other tile must hash to its entry in its (authenticated) parent.
/// So a hash read from here is proven to be in the tree.
struct TileHashReader: LogHashReader {
    let tree: LogTree
    let tiles: LogTileReader

    func readHashes(_ indexes: [Int64]) throws -> [LogHash] {
        let h = tiles.height
        var tileOrder: [LogTile: Int] = [:]
        var plan: [LogTile] = []

        // Plan the tiles needed to recompute the tree hash. If it matches, they are authentic.
        let subTrees = TransparencyLog.subTreeIndex(0, tree.size, [])
        var subTreeTileOrder: [Int] = []
        for index in subTrees {
            let tile = LogTile.containing(index: index, height: h).tile.parent(0, treeSize: tree.size)
            if let known = tileOrder[tile] {
                subTreeTileOrder.append(known)
                continue
            }
            subTreeTileOrder.append(plan.count)
            tileOrder[tile] = plan.count
            plan.append(tile)
        }

        // Several subtree hashes can share a tile, so the subtree tiles are the first
        // `subTreeTileCount` of the plan, which can be fewer than `subTrees.count`.
        let subTreeTileCount = plan.count

        // Plan the tiles holding the indexes, with the parents that authenticate them.
        let limit = TransparencyLog.storedHashIndex(level: 0, tree.size)
        var indexTileOrder = [Int](repeating: 0, count: indexes.count)
        for (i, index) in indexes.enumerated() {
            guard index >= 0, index < limit else { throw checksumRejection("indexes not in tree") }
            let tile = LogTile.containing(index: index, height: h).tile
            // Walk up to the first tile already planned; that one will be authenticated.
            var k = 0
            while true {
                let parent = tile.parent(k, treeSize: tree.size)
                if let known = tileOrder[parent] {
                    if k == 0 { indexTileOrder[i] = known }
                    break
                }
                k += 1
            }
            // Walk back down, planning children after their parents.
            k -= 1
            while k >= 0 {
                let parent = tile.parent(k, treeSize: tree.size)
                // Only full tiles have parents.
                guard parent.width == 1 << parent.height else {
                    throw checksumRejection("bad math in tileHashReader: \(tree.size) \(index) \(parent.path)")
                }
                tileOrder[parent] = plan.count
                if k == 0 { indexTileOrder[i] = plan.count }
                plan.append(parent)
                k -= 1
            }
        }

        let data = try tiles.readTiles(plan)
        guard data.count == plan.count else {
            throw checksumRejection("tile reader returned \(data.count) tiles, want \(plan.count)")
        }
        for (tile, tileData) in zip(plan, data) where tileData.count != tile.width * LogHash.size {
            throw checksumRejection("tile \(tile.path) has \(tileData.count) bytes, want \(tile.width * LogHash.size)")
        }

        // Authenticate the tiles of the tree hash (parents come before children in `plan`).
        guard let lastSubTree = subTrees.last else {
            // An empty tree: it holds no index, and every index was refused above.
            return []
        }
        var treeHash = try plan[subTreeTileOrder[subTrees.count - 1]]
            .hash(at: lastSubTree, data: data[subTreeTileOrder[subTrees.count - 1]])
        for i in stride(from: subTrees.count - 2, through: 0, by: -1) {
            let hash = try plan[subTreeTileOrder[i]].hash(at: subTrees[i], data: data[subTreeTileOrder[i]])
            treeHash = TransparencyLog.nodeHash(hash, treeHash)
        }
        guard treeHash == tree.hash else {
            // At least one tile is wrong; which one cannot be told.
            throw checksumRejection("downloaded inconsistent tile")
        }

        // Authenticate the other (full) tiles against their parents. The vendored x/mod of
        // go1.22 starts this loop at `len(stx)`, which skips the first index tiles whenever
        // subtree hashes share a tile; starting after the subtree tiles checks every one.
        for i in subTreeTileCount..<plan.count {
            let tile = plan[i]
            let parent = tile.parent(1, treeSize: tree.size)
            guard let j = tileOrder[parent] else {
                throw checksumRejection("bad math in tileHashReader \(tree.size): lost parent of \(tile.path)")
            }
            let expected = try parent.hash(at: TransparencyLog.storedHashIndex(level: parent.level * parent.height, tile.number),
                                           data: data[j])
            guard expected == LogTile.tileHash(data[i][...]) else {
                throw checksumRejection("downloaded inconsistent tile")
            }
        }

        return try indexes.enumerated().map { i, index in
            let j = indexTileOrder[i]
            return try plan[j].hash(at: index, data: data[j])
        }
    }
}
