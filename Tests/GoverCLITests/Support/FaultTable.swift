import Foundation

/// Rows of the fault table (fault → exit status → store state → bytes transferred), written
/// as the tests observe them when `GOVER_FAULT_TABLE` names a file; see scripts/fault-table.
enum FaultTable {
    static func record(_ fault: String, _ result: CommandResult, store: String, bytes: Int, of size: Int) {
        guard let path = ProcessInfo.processInfo.environment["GOVER_FAULT_TABLE"] else { return }
        let ratio = size > 0 ? String(format: "%.2f×", Double(bytes) / Double(size)) : "-"
        let row = "| \(fault) | \(result.status) | \(store) | \(bytes) of \(size) (\(ratio)) |\n"
        let lock = NSLock()
        lock.withLock {
            if let handle = FileHandle(forWritingAtPath: path) {
                handle.seekToEndOfFile()
                handle.write(Data(row.utf8))
                try? handle.close()
            } else {
                FileManager.default.createFile(atPath: path, contents: Data(row.utf8))
            }
        }
    }
}
