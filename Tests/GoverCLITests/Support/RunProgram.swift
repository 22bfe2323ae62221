import Foundation

/// Runs a program to completion with exactly the environment given (like `env -i`: nothing
/// of the developer's own setup leaks in), stdin from /dev/null, its outputs collected
/// through files (no pipe to fill up); killed after `timeout` when one is given (an
/// interactive shell that waits for input must not hang the suite). `mergingOutput` sends
/// stderr into stdout, interleaved as written.
func runProgram(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                directory: String? = nil, timeout: TimeInterval? = nil, mergingOutput: Bool = false) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let base = NSTemporaryDirectory() + "gover-run-" + UUID().uuidString
    let outPath = base + ".out", errPath = base + ".err"
    defer { unlink(outPath); unlink(errPath) }
    _ = FileManager.default.createFile(atPath: outPath, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = FileHandle(forWritingAtPath: outPath)
    process.standardOutput = out
    process.standardError = mergingOutput ? out : FileHandle(forWritingAtPath: errPath)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    if let timeout {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                         killedBySignal: process.terminationReason == .uncaughtSignal)
}
