#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One file of a release in the go.dev index.
public struct ReleaseFile: Sendable, Decodable, Equatable {
    public var filename: String
    public var os: String
    public var arch: String
    public var version: String
    public var sha256: String
    public var size: Int64
    public var kind: String

    public init(filename: String, os: String, arch: String, version: String, sha256: String, size: Int64, kind: String) {
        self.filename = filename
        self.os = os
        self.arch = arch
        self.version = version
        self.sha256 = sha256
        self.size = size
        self.kind = kind
    }

    // Real index data omits or empties fields in ancient releases: decode leniently and let
    // the installer refuse what it cannot verify, rather than failing to read the whole index.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        filename = try c.decodeIfPresent(String.self, forKey: .filename) ?? ""
        os = try c.decodeIfPresent(String.self, forKey: .os) ?? ""
        arch = try c.decodeIfPresent(String.self, forKey: .arch) ?? ""
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? ""
        sha256 = try c.decodeIfPresent(String.self, forKey: .sha256) ?? ""
        size = try c.decodeIfPresent(Int64.self, forKey: .size) ?? 0
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? ""
    }

    private enum CodingKeys: String, CodingKey {
        case filename, os, arch, version, sha256, size, kind
    }

    /// Whether the index gives what is needed to verify this file.
    public var hasDigest: Bool {
        sha256.count == 64 && sha256.allSatisfy(\.isHexDigit) && size > 0
    }
}

/// One release of the go.dev index.
public struct Release: Sendable, Equatable {
    public var version: GoVersion
    public var stable: Bool
    public var files: [ReleaseFile]

    /// The `.tar.gz` archive for a platform. Very old releases list several darwin archives
    /// (per macOS release); the one named exactly `goX.os-arch.tar.gz` wins, else the first.
    public func archive(for platform: Platform) -> ReleaseFile? {
        let candidates = files.filter {
            $0.kind == "archive" && $0.os == platform.os && platform.acceptsIndexArch($0.arch)
                && $0.filename.hasSuffix(".tar.gz")
        }
        let canonical = "\(version.name).\(platform.os)-\(platform.arch).tar.gz"
        return candidates.first(where: { $0.filename == canonical }) ?? candidates.first
    }

    /// Platforms that do have an archive, for error messages.
    public var archivePlatforms: [String] {
        var seen = Set<String>()
        return files.filter { $0.kind == "archive" }.map { "\($0.os)-\($0.arch)" }.filter { seen.insert($0).inserted }
    }
}

/// The go.dev release index (`https://go.dev/dl/?mode=json&include=all`), newest first.
public struct ReleaseIndex: Sendable {
    public var releases: [Release]

    public init(releases: [Release]) {
        self.releases = releases.sorted { $0.version > $1.version }
    }

    private struct RawRelease: Decodable {
        var version: String?
        var stable: Bool?
        var files: [ReleaseFile]?
    }

    /// Decodes the JSON index. Entries that are not Go versions (the `go1` bootstrap
    /// pseudo-release is one, oddly named test entries may be others) are kept only when
    /// their version parses; nothing in the data can crash the parser.
    public init(json: Data) throws {
        let raw: [RawRelease]
        do {
            raw = try JSONDecoder().decode([RawRelease].self, from: json)
        } catch {
            throw GoverError.indexUnreadable(source: "JSON", reason: "not a go.dev release list (\(error))")
        }
        var releases: [Release] = []
        var seen = Set<GoVersion>()
        for entry in raw {
            guard let name = entry.version, let version = GoVersion(name), seen.insert(version).inserted else {
                continue
            }
            let stable = entry.stable ?? version.isStable
            releases.append(Release(version: version, stable: stable && version.isStable, files: entry.files ?? []))
        }
        self.init(releases: releases)
    }

    public var versions: [GoVersion] { releases.map(\.version) }

    public func release(_ version: GoVersion) -> Release? {
        releases.first { $0.version == version }
    }

    /// Resolves a selector to a release, or explains what exists nearby.
    public func resolve(_ selector: VersionSelector, selectorText: String) throws -> Release {
        if let version = selector.resolve(in: versions), let release = release(version) {
            return release
        }
        let nearest = selector.nearest(in: versions).map(\.number)
        throw GoverError.versionNotFound(selector: selectorText, nearest: nearest)
    }

    /// Finds the release and index entry that describe an archive file name.
    public func file(named filename: String) -> (Release, ReleaseFile)? {
        for release in releases {
            if let file = release.files.first(where: { $0.filename == filename }) { return (release, file) }
        }
        return nil
    }

    /// For `gover list --remote`: the newest stable patch of each minor line, plus any
    /// pre-release newer than the newest stable release; newest first.
    public func newestPerLine() -> [Release] {
        var result: [Release] = []
        var linesSeen = Set<[Int]>()
        let newestStable = releases.first(where: { $0.version.isStable })?.version
        for release in releases {
            let version = release.version
            if !version.isStable {
                if let newestStable, version > newestStable { result.append(release) }
                continue
            }
            if linesSeen.insert([version.line.major, version.line.minor]).inserted { result.append(release) }
        }
        return result
    }
}
