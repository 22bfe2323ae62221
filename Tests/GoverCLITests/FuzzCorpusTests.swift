import Foundation
import Testing

/// Every input in the committed fuzz corpus (`Tests/FuzzCorpus/<target>/`: seeds and what
/// `scripts/fuzz --update-corpus` kept) replayed through its target, uninstrumented: a
/// parser change that crashes on, or breaks the invariant for, an input the fuzzer once
/// found fails here, in the ordinary test run.
@Suite("fuzz corpus replay")
struct FuzzCorpusTests {
    static let targets = ["selector", "pin", "index", "index-cache", "archive-entries", "archive", "sumdb", "module-proxy", "module-zip"]

    @Test("each corpus input passes its target", arguments: targets)
    func replay(target: String) throws {
        let binary = URL(fileURLWithPath: goverBinary).deletingLastPathComponent().appendingPathComponent("gover-fuzz").path
        let corpus = packageRoot.appendingPathComponent("Tests/FuzzCorpus/\(target)").path
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus).sorted().map { corpus + "/" + $0 }
        #expect(inputs.count >= 3, "the \(target) corpus has only \(inputs.count) inputs")
        let result = try runProgram(binary, [target] + inputs, timeout: 120)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("\(target): \(inputs.count) inputs replayed, no failure"), "\(result)")
    }
}
