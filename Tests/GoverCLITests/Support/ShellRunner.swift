import Foundation

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
