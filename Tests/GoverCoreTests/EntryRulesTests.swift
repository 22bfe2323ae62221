import Testing
@testable import GoverCore

/// `EntryRules` on plain headers: every refusal names its true reason, and what is allowed
/// comes out normalised with safe modes.
@Suite("Archive entry rules")
struct EntryRulesTests {
    static func rules(maxEntries: Int = 50_000, maxBytes: Int64 = 1 << 30) -> EntryRules {
        var policy = ExtractionPolicy(maxExpandedBytes: maxBytes)
        policy.maxEntries = maxEntries
        return EntryRules(policy: policy)
    }

    static func reason(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch GoverError.unsafeArchive(_, let reason) {
            return reason
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("a hard link to a regular file of the archive is allowed and keeps its target")
    func hardLinkAllowed() throws {
        var rules = Self.rules()
        _ = try rules.admit(.init(name: "go/bin/go", kind: .file, size: 10, permissions: 0o755))
        let link = try rules.admit(.init(name: "go/bin/go2", kind: .hardLink(target: "go/./bin/go")))
        #expect(link == AdmittedEntry(path: "go/bin/go2", hardLinkTarget: "go/bin/go", permissions: 0o644))
        // A link to a link is a link to the same regular file.
        _ = try rules.admit(.init(name: "go/bin/go3", kind: .hardLink(target: "go/bin/go2")))
    }

    @Test("hard links are refused with their true reason", arguments: [
        ("/etc/passwd", "is a hard link whose target has an absolute path"),
        ("go/../../evil", "is a hard link whose target contains '..'"),
        ("go/missing", "not a regular file of the archive"),
        ("go/d", "not a regular file of the archive"),
        ("go/s", "not a regular file of the archive"),
        ("other/file", "is outside the archive's go/ directory"),
    ])
    func hardLinkRefused(target: String, expected: String) throws {
        var rules = Self.rules()
        _ = try rules.admit(.init(name: "go/d", kind: .directory))
        _ = try rules.admit(.init(name: "go/s", kind: .symlink(target: "d")))
        let reason = Self.reason { _ = try rules.admit(.init(name: "go/h", kind: .hardLink(target: target))) }
        #expect(reason?.contains(expected) == true, "\(target): \(reason ?? "accepted")")
    }

    @Test("devices, FIFOs and sockets are named as what they are", arguments: [
        (UInt32(S_IFCHR), "a character device"), (UInt32(S_IFBLK), "a block device"),
        (UInt32(S_IFIFO), "a FIFO"), (UInt32(S_IFSOCK), "a socket"), (UInt32(0), "unknown type"),
    ])
    func specialFiles(fileType: UInt32, expected: String) {
        var rules = Self.rules()
        let reason = Self.reason { _ = try rules.admit(.init(name: "go/x", kind: .other(fileType: fileType))) }
        #expect(reason?.contains(expected) == true, "\(reason ?? "accepted")")
    }

    @Test("modes lose setuid, setgid, sticky and group/other write", arguments: [
        (UInt32(0o3777), UInt32(0o755)), (UInt32(0o4755), UInt32(0o755)), (UInt32(0o666), UInt32(0o644)),
        (UInt32(0o775), UInt32(0o755)), (UInt32(0o700), UInt32(0o700)), (UInt32(0o444), UInt32(0o444)),
    ])
    func modes(archive: UInt32, written: UInt32) throws {
        var rules = Self.rules()
        let entry = try rules.admit(.init(name: "go/x", kind: .directory, permissions: archive))
        #expect(entry.permissions == written)
    }

    @Test("more entries than the policy allows is an inode bomb")
    func entryCount() throws {
        var rules = Self.rules(maxEntries: 3)
        for index in 0..<3 { _ = try rules.admit(.init(name: "go/f\(index)", kind: .file)) }
        let reason = Self.reason { _ = try rules.admit(.init(name: "go/f3", kind: .file)) }
        #expect(reason?.contains("more than 3") == true, "\(reason ?? "accepted")")
    }

    @Test("declared sizes cannot overflow or go negative", arguments: [Int64.max, Int64.max - 1, -1, Int64.min])
    func hostileSizes(size: Int64) throws {
        var rules = Self.rules()
        _ = try rules.admit(.init(name: "go/a", kind: .file, size: 100))
        let reason = Self.reason { _ = try rules.admit(.init(name: "go/b", kind: .file, size: size)) }
        #expect(reason != nil && !reason!.hasPrefix("unexpected"), "\(size): \(reason ?? "accepted")")
    }

    @Test("control characters in names and link targets are refused", arguments: [
        "go/a\u{1B}[2Kx", "go/a\nb", "go/\u{7F}", "go/a\tb",
    ])
    func controlCharacters(name: String) {
        var rules = Self.rules()
        #expect(Self.reason { _ = try rules.admit(.init(name: name, kind: .file)) }?.contains("control character") == true)
        var other = Self.rules()
        #expect(Self.reason { _ = try other.admit(.init(name: "go/l", kind: .symlink(target: String(name.dropFirst(3))))) }?
            .contains("control character") == true)
    }

    @Test("policy sizes from a hostile index cannot overflow", arguments: [Int64.max, Int64.min, 0, -1, 1 << 62])
    func policyClamp(size: Int64) {
        let policy = ExtractionPolicy.forArchive(ofSize: size)
        #expect(policy.maxExpandedBytes >= 16 << 20 && policy.maxExpandedBytes <= 64 << 30)
    }

    @Test("an entry never replaces one of another kind; the same kind may be repeated (tar's last one wins)")
    func replacingKinds() throws {
        var rules = Self.rules()
        _ = try rules.admit(.init(name: "go/f", kind: .file))
        _ = try rules.admit(.init(name: "go/f", kind: .file))
        _ = try rules.admit(.init(name: "go/d", kind: .directory))
        _ = try rules.admit(.init(name: "go/d/", kind: .directory))
        #expect(Self.reason { _ = try rules.admit(.init(name: "go/f", kind: .symlink(target: "d"))) }?.contains("replaces the regular file go/f with a symlink") == true)
        #expect(Self.reason { _ = try rules.admit(.init(name: "go/f", kind: .directory)) }?.contains("replaces the regular file go/f with a directory") == true)
        #expect(Self.reason { _ = try rules.admit(.init(name: "go/d", kind: .hardLink(target: "go/f"))) }?.contains("replaces the directory go/d with a regular file") == true)
    }
}
