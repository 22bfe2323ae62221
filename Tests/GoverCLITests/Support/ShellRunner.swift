import Foundation

/// Runs a real shell (or any program) with exactly the environment given, like `env -i`:
/// nothing of the developer's own setup leaks in. stdin is /dev/null; killed after `timeout`.
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String],
                directory: String? = nil, timeout: TimeInterval = 30) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let scratch = NSTemporaryDirectory() + "gover-run-" + UUID().uuidString
    let out = scratch + ".out"
    let err = scratch + ".err"
    _ = FileManager.default.createFile(atPath: out, contents: nil)
    _ = FileManager.default.createFile(atPath: err, contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: out)
        try? FileManager.default.removeItem(atPath: err)
    }
    process.standardOutput = FileHandle(forWritingAtPath: out)
    process.standardError = FileHandle(forWritingAtPath: err)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus,
                         stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                         stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
                         killedBySignal: process.terminationReason == .uncaughtSignal)
}

extension Sandbox {
    /// A fake, older `go` (prints go1.19.8) in its own directory, for shadowing tests.
    func makeFakeGo(version: String = "go1.19.8") throws -> String {
        let directory = self.directory + "/fake-go/bin"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/go"
        try "#!/bin/sh\necho \"go version \(version) linux/amd64\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return directory
    }

    func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    func bytes(_ path: String) -> Data? {
        FileManager.default.contents(atPath: path)
    }
}
