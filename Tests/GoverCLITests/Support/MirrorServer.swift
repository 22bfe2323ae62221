import Foundation

/// `scripts/mirror-server` on 127.0.0.1: serves a directory like go.dev/dl, with faults
/// injected through a `/_f/<spec>/` path prefix, and logs every request.
final class MirrorServer {
    let port: Int
    let logPath: String
    private let process: Process
    private let stdin: Pipe

    init(directory: String) {
        logPath = directory + "/../requests.log"
        process = Process()
        process.executableURL = packageRoot.appendingPathComponent("scripts/mirror-server")
        process.arguments = ["--dir", directory, "--log", logPath, "--exit-on-stdin-eof"]
        let out = Pipe()
        stdin = Pipe()
        process.standardOutput = out
        process.standardInput = stdin
        do {
            try process.run()
        } catch {
            fatalError("cannot start scripts/mirror-server: \(error)")
        }
        // The server prints its port on the first line once it listens.
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            fatalError("scripts/mirror-server did not report a port")
        }
        self.port = port
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    struct Request: Decodable {
        var method: String
        var path: String
        var file: String?
        var range: String?
        var status: Int
        var bytes: Int
    }

    /// Requests served so far, oldest first.
    func requests() -> [Request] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONDecoder().decode(Request.self, from: Data($0.utf8))
        }
    }

    func archiveRequests() -> [Request] {
        requests().filter { $0.file?.hasSuffix(".tar.gz") == true }
    }
}
