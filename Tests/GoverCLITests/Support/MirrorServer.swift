import Foundation

/// A helper server on 127.0.0.1 that prints its port on its first line and stops when its
/// stdin closes: a script from `scripts/`, or any executable (the toolchain-proxy fixture).
class LoopbackServer {
    let port: Int
    let logPath: String
    private let process: Process
    private let stdin: Pipe

    /// `scripts/<script>` with `arguments`, then `--log logPath --exit-on-stdin-eof`.
    init(script: String, arguments: [String], logPath: String) {
        self.logPath = logPath
        (process, stdin, port) = Self.launch(packageRoot.appendingPathComponent("scripts/" + script),
                                             arguments + ["--log", logPath, "--exit-on-stdin-eof"])
    }

    /// Any executable with exactly `arguments` (which must make it log to `logPath` and exit
    /// on stdin EOF, if the caller wants either).
    init(executable: String, arguments: [String], logPath: String) {
        self.logPath = logPath
        (process, stdin, port) = Self.launch(URL(fileURLWithPath: executable), arguments)
    }

    private static func launch(_ executable: URL, _ arguments: [String]) -> (Process, Pipe, Int) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        let stdin = Pipe()
        process.standardOutput = out
        process.standardInput = stdin
        do {
            try process.run()
        } catch {
            fatalError("cannot start \(executable.path): \(error)")
        }
        // The server prints its port on the first line once it listens.
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            fatalError("\(executable.path) did not report a port")
        }
        return (process, stdin, port)
    }

    func logLines() -> [Substring] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n")
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// `scripts/mirror-server`: serves a directory like go.dev/dl, with faults injected through a
/// `/_f/<spec>/` path prefix, and logs every request.
final class MirrorServer: LoopbackServer {
    init(directory: String, tls: (cert: String, key: String)? = nil) {
        var arguments = ["--dir", directory]
        if let tls { arguments += ["--tls-cert", tls.cert, "--tls-key", tls.key] }
        super.init(script: "mirror-server", arguments: arguments,
                   logPath: directory + "/../requests\(tls == nil ? "" : "-tls").log")
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
        logLines().compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    func archiveRequests() -> [Request] {
        requests().filter { $0.file?.hasSuffix(".tar.gz") == true }
    }

    func requests(of filename: String) -> [Request] {
        requests().filter { $0.file == filename }
    }

    /// Body bytes sent for a file, over all requests.
    func bytesSent(of filename: String) -> Int {
        requests(of: filename).map(\.bytes).reduce(0, +)
    }
}

/// `scripts/forward-proxy`: an HTTP forward proxy (absolute-URI GET and CONNECT).
final class ForwardProxy: LoopbackServer {
    init(logPath: String) {
        super.init(script: "forward-proxy", arguments: [], logPath: logPath)
    }

    var targets: [String] {
        logLines().compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])?["target"]
        }
    }
}
