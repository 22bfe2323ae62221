#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One finding of `gover doctor`.
public struct DoctorCheck: Sendable, Equatable, Encodable {
    public enum Status: String, Sendable, Encodable {
        /// Nothing to do.
        case ok
        /// Worth fixing, but `go` works as expected (does not fail the run).
        case warning
        /// `go` is not the right one, or the store is broken (exit 1).
        case error
        /// Not checked (`--offline`, nothing to probe, a check that depends on a failed one).
        case skipped
    }

    /// Stable identifier, e.g. `path.go` (documented in the README).
    public var id: String
    public var status: Status
    public var message: String
    /// The exact fix: which file, which line, which command. Nil when there is nothing to do.
    public var fix: String?

    public init(_ id: String, _ status: Status, _ message: String, fix: String? = nil) {
        self.id = id
        self.status = status
        self.message = message
        self.fix = fix
    }

    enum CodingKeys: String, CodingKey { case id, status, message, fix }

    // `fix` is always present in the JSON (null when there is none): a stable shape for CI.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(message, forKey: .message)
        try container.encode(fix, forKey: .fix)
    }
}

/// All findings of one run. `ok` is false when any check is an error; warnings do not count.
///
/// JSON (`gover doctor --json`), schema 1:
///
///     {"schema": 1, "ok": false, "checks": [
///       {"id": "path.go", "status": "error", "message": "...", "fix": "..."}, ...]}
public struct DoctorReport: Sendable, Encodable {
    public var schema = 1
    public var ok: Bool { !checks.contains { $0.status == .error } }
    public var checks: [DoctorCheck]

    public init(checks: [DoctorCheck]) {
        self.checks = checks
    }

    enum CodingKeys: String, CodingKey { case schema, ok, checks }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(ok, forKey: .ok)
        try container.encode(checks, forKey: .checks)
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// For people: one line per check, the fix indented under it, a summary at the end.
    public func text() -> String {
        let width = (checks.map(\.id.count).max() ?? 0) + 2
        var output = ""
        for check in checks {
            let label: String
            switch check.status {
            case .ok: label = "ok   "
            case .warning: label = "warn "
            case .error: label = "ERROR"
            case .skipped: label = "skip "
            }
            let id = check.id + String(repeating: " ", count: max(0, width - check.id.count))
            let indent = String(repeating: " ", count: 6 + width)
            output += label + " " + id + check.message.replacingNewlines(with: "\n" + indent) + "\n"
            if let fix = check.fix {
                output += indent + "fix: " + fix.replacingNewlines(with: "\n" + indent + "     ") + "\n"
            }
        }
        let errors = checks.filter { $0.status == .error }.count
        let warnings = checks.filter { $0.status == .warning }.count
        if errors == 0 && warnings == 0 {
            output += "\nNo problems found.\n"
        } else {
            output += "\n\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
                + (errors > 0 ? " (exit 1)" : " (warnings do not fail)") + ".\n"
        }
        return output
    }
}

extension String {
    fileprivate func replacingNewlines(with replacement: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
