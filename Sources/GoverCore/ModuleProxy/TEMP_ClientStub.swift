// TEMPORARY stub of the sumdb-core branch's API, removed at merge.
public protocol TreeHeadStore { func load() throws -> [UInt8]?; func save(_ note: [UInt8]) throws }
public struct ChecksumDatabaseSetting: Equatable, Sendable {
    public var name: String; public var verifierKey: String; public var url: String?
    public static func parse(_ value: String?) throws -> ChecksumDatabaseSetting? {
        if value == "off" { return nil }
        let parts = (value ?? "").split(separator: " ")
        if parts.count == 2 { return ChecksumDatabaseSetting(name: String(parts[0].split(separator: "+")[0]), verifierKey: String(parts[0]), url: String(parts[1])) }
        return ChecksumDatabaseSetting(name: "sum.golang.org", verifierKey: "", url: nil)
    }
}
public struct ChecksumDatabaseClient {
    let fetch: (String, Int) throws -> [UInt8]; let base: String
    public init(setting: ChecksumDatabaseSetting, baseURL: String, treeHeads: TreeHeadStore, fetch: @escaping (_ url: String, _ limit: Int) throws -> [UInt8]) { self.fetch = fetch; base = baseURL }
    public func moduleHash(path: String, version: String) throws -> String {
        let body = String(decoding: try fetch(base + "/lookup/" + path + "@" + version, 1 << 16), as: UTF8.self)
        for line in body.split(separator: "\n") { let f = line.split(separator: " "); if f.count == 3, f[1] == version { return String(f[2]) } }
        throw GoverError.noChecksumRecord(database: "x", module: path)
    }
}
