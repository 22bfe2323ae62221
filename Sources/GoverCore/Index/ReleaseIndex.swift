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

    /// Whether the index gives what is needed to verify this file: its SHA256 and its size
    /// (which also bounds the download: a server cannot send more).
    public var hasDigest: Bool {
        sha256.utf8.count == 64 && sha256.allSatisfy(\.isHexDigit) && size > 0
    }

    /// The largest size an index may declare (Go archives are ~70-100 MB): every size gover
    /// computes with (deadlines, extraction limits, progress) stays far from overflow.
    public static let maxSize: Int64 = 16 << 30

    /// Why this entry cannot be believed, or nil: its name must be a plain file name, its
    /// `os`/`arch`/`kind` plain tokens, its size within 0...`maxSize` (0: not given, as in
    /// ancient releases), its version (if given) a Go version. Checked wherever an index is
    /// read — go.dev's JSON and gover's own cache — so nothing downstream sees another entry.
    public var problem: String? { problem(checkingVersion: true) }

    /// `checkingVersion: false` when `version` was itself parsed as a `GoVersion` by the
    /// caller (gover's cache names each release once, for all its files).
    func problem(checkingVersion: Bool) -> String? {
        if let problem = PlainFilename.problem(with: filename) {
            return "file name '\(terminalSafe(filename))' \(problem)"
        }
        if !(Self.isToken(os) && Self.isToken(arch) && Self.isToken(kind)) {
            let (field, value) = !Self.isToken(os) ? ("os", os) : !Self.isToken(arch) ? ("arch", arch) : ("kind", kind)
            return "\(filename): \(field) '\(terminalSafe(value))' is not a plain word"
        }
        if !(0...Self.maxSize).contains(size) {
            return "\(filename): size \(size) is impossible (expected 0 to \(Self.maxSize) bytes)"
        }
        if checkingVersion && !version.isEmpty && GoVersion(version) == nil {
            return "\(filename): version '\(terminalSafe(version))' is not a Go version"
        }
        if sha256.utf8.count > 128 || PlainFilename.hasUnprintable(sha256) {
            return "\(filename): sha256 is not a digest"
        }
        return nil
    }

    /// `linux`, `amd64`, `armv6l`, `archive`, or empty (source files have no os/arch).
    static func isToken(_ text: String) -> Bool {
        text.utf8.count <= 32 && withBytes(of: text) {
            $0.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || byte == 0x5F
            }
        }
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
        let candidates = archives(for: platform).filter { $0.filename.hasSuffix(".tar.gz") }
        let canonical = "\(version.name).\(platform.os)-\(platform.arch).tar.gz"
        return candidates.first(where: { $0.filename == canonical }) ?? candidates.first
    }

    /// Archives of any format for a platform (Windows has only `.zip` ones).
    public func archives(for platform: Platform) -> [ReleaseFile] {
        files.filter { $0.kind == "archive" && $0.os == platform.os && platform.acceptsIndexArch($0.arch) }
    }

    /// Platforms that do have an archive gover can install (`.tar.gz`), for error messages.
    public var archivePlatforms: [String] {
        var seen = Set<String>()
        return files.filter { $0.kind == "archive" && $0.filename.hasSuffix(".tar.gz") }
            .map { "\($0.os)-\($0.arch)" }.filter { seen.insert($0).inserted }
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

    /// Decodes the JSON index. Entries that are not Go versions (oddly named test entries)
    /// are skipped, and so is the `go1` pseudo-release (a bootstrap source tarball, nothing
    /// to install); nothing in the data can crash the parser. A file entry that fails
    /// `ReleaseFile.problem` (a path for a name, a control character, an impossible size)
    /// refuses the whole index: it came from a server that is broken or hostile.
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
            guard let name = entry.version, let version = GoVersion(name), version.isRelease,
                  seen.insert(version).inserted else {
                continue
            }
            for file in entry.files ?? [] {
                if let problem = file.problem { throw GoverError.indexUnreadable(source: "JSON", reason: "\(version.name): \(problem)") }
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

    /// Whether a miss of `selector` is explained by a server that ignored `include=all`:
    /// the index has only the newest patch of at most two minor lines (go.dev's default
    /// answer), all stable, and the selector asks for an older line than any of them.
    public func looksPartial(missing selector: VersionSelector) -> Bool {
        guard (1...2).contains(releases.count), releases.allSatisfy({ $0.version.isStable }),
              Set(releases.map { [$0.version.line.major, $0.version.line.minor] }).count == releases.count,
              let oldest = releases.last?.version.line else { return false }
        let wanted: (Int, Int)
        switch selector {
        case .latest, .major: return false
        case .line(let major, let minor): wanted = (major, minor)
        case .exact(let version): wanted = version.line
        }
        return wanted < oldest
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
