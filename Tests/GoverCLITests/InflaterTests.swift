import Foundation
import Testing

/// Installs through each inflater (`GOVER_INFLATE`): a good archive, a corrupted download,
/// a truncated archive, gigabytes of zeros after the tar end marker; and ISA-L made
/// unloadable, which must fall back to zlib. (`GOVER_INFLATE=isal swift test` also runs
/// every other suite's installs through one inflater: the sandbox passes it on.)
@Suite("installs with zlib and with ISA-L", .serialized)
struct InflaterTests {
    static let inflaters = ["zlib", "isal"]

    /// `libisal.so.2` as the loader finds it, if this machine has it.
    static let libisalPath: String? = {
        for directory in ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"] {
            let path = directory + "/libisal.so.2"
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }()

    @Test("a toolchain installs; a byte corrupted in transit and a truncated archive are exit 5, store unchanged",
          arguments: inflaters)
    func installs(inflater: String) throws {
        try #require(inflater == "zlib" || Self.libisalPath != nil, "libisal.so.2 is missing (scripts/setup installs libisal-dev)")
        let env = ["GOVER_INFLATE": inflater]
        let (sandbox, before) = try FailureTests.withActiveVersion()
        try sandbox.publish("go1.22.5", entries: Sandbox.toolchainEntries("go1.22.5", filler: 400_000))
        let corrupted = try sandbox.gover("install", "1.22.5", env: env.merging(["GOVER_MIRROR": sandbox.mirrorURL + "_f/corrupt=9000/"]) { $1 })
        #expect(corrupted.status == 5, "\(corrupted)")
        #expect(corrupted.stderr.contains("SHA256 mismatch"), "\(corrupted)")
        #expect(!corrupted.stderr.contains("ISA-L"), "ISA-L loads here: no fallback warning: \(corrupted)")
        FailureTests.expectUnchanged(sandbox, before)

        let good = try sandbox.gover("install", "1.22.5", "--use", env: env)
        #expect(good.status == 0, "\(good)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")

        try sandbox.publish("go1.23.1", archiveOptions: FailureTests.brokenOptions("truncated"))
        let afterGood = sandbox.storeSnapshot()
        let truncated = try sandbox.gover("install", "1.23.1", env: env)
        #expect(truncated.status == 5, "\(truncated)")
        #expect(truncated.stderr.contains("is not a valid Go archive"), "\(truncated)")
        #expect(sandbox.storeSnapshot() == afterGood)
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("8 GiB of zeros in gzip members after the tar end marker are never inflated (20 s CPU limit): installs",
          arguments: inflaters)
    func zerosAfterTarEnd(inflater: String) throws {
        try #require(inflater == "zlib" || Self.libisalPath != nil, "libisal.so.2 is missing")
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5", archiveOptions: ["zero_members": 128])
        let result = try sandbox.start(["install", "1.22.5"], env: ["GOVER_INFLATE": inflater],
                                       launcher: ["/bin/sh", "-c", "ulimit -t 20 && exec \"$0\" \"$@\""]).wait()
        #expect(!result.killedBySignal, "killed (CPU limit?): \(result)")
        #expect(result.status == 0, "\(result)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")
    }

    @Test("GOVER_INFLATE=other is refused: exit 2, naming the variable")
    func unknownInflater() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        let result = try sandbox.gover("install", "1.22.5", env: ["GOVER_INFLATE": "igzip"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("GOVER_INFLATE"), "\(result)")
    }

    @Test("without a loadable libisal, GOVER_INFLATE=isal warns and installs with zlib; by default, silently",
          .enabled(if: HostileServerTests.libarchivePath != nil && libisalPath != nil,
                   "needs root, unshare(1) and libisal.so.2 to hide it in a private mount namespace"))
    func fallback() throws {
        let sandbox = try Sandbox()
        try sandbox.publish("go1.22.5")
        try sandbox.publish("go1.21.13")
        let hide = ["/usr/bin/unshare", "-m", "/bin/sh", "-c", "mount --bind /dev/null \(Self.libisalPath!) && exec \"$0\" \"$@\""]
        let forced = try sandbox.start(["install", "--use", "1.22.5"], env: ["GOVER_INFLATE": "isal"], launcher: hide).wait()
        #expect(forced.status == 0, "\(forced)")
        #expect(forced.stderr.contains("warning: GOVER_INFLATE=isal: cannot load ISA-L"), "\(forced)")
        #expect(forced.stderr.contains("inflating with zlib"), "\(forced)")
        #expect(sandbox.currentGoVersion() == "go version go1.22.5 linux/amd64")

        let automatic = try sandbox.start(["install", "1.21.13"], launcher: hide).wait()
        #expect(automatic.status == 0, "\(automatic)")
        #expect(!automatic.stderr.contains("ISA-L"), "\(automatic)")
    }
}
