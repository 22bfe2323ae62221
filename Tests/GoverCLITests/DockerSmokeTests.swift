import Foundation
import Testing

/// scripts/docker-smoke: the Dockerfile's runtime stage built by hand in a minimal bookworm
/// root (debootstrap, cached), then gover installs the real go1.22.10 inside `chroot` with
/// only the Dockerfile's ENV. Needs root and debootstrap; the first run also needs Debian's
/// mirror and PyPI (both cached afterwards).
@Suite("Docker image smoke test: a minimal bookworm root, by hand")
struct DockerSmokeTests {
    static let skipReason: String? = {
        if ProcessInfo.processInfo.environment["GOVER_SKIP_DOCKER_SMOKE"] != nil {
            return "GOVER_SKIP_DOCKER_SMOKE is set"
        }
        if getuid() != 0 { return "scripts/docker-smoke needs root (debootstrap, chroot, mount /proc); run the suite as root" }
        let debootstrap = ["/usr/sbin/debootstrap", "/usr/bin/debootstrap"].contains {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        return debootstrap ? nil : "scripts/docker-smoke needs debootstrap (scripts/setup installs it)"
    }()

    @Test("install Go in a bookworm-slim-like root with the Dockerfile's ENV: go works, for nobody too; no cache left",
          .enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
    func dockerSmoke() throws {
        let result = try runProgram(packageRoot.appendingPathComponent("scripts/docker-smoke").path, mergingOutput: true)
        let output = result.stdout
        print(output, terminator: "")
        try #require(result.status == 0, "scripts/docker-smoke failed:\n\(output)")

        let lines = output.split(separator: "\n").map(String.init)
        let expected = [
            "docker-smoke: without /proc: exit 2, error: cannot read the command line (is /proc mounted?)",
            "docker-smoke: go version: go version go1.22.10 linux/amd64",
            "docker-smoke: hello: hello from a minimal bookworm root",
            "docker-smoke: cache after gover cache clean: empty",
            "docker-smoke: as nobody: go version go1.22.10 linux/amd64; gover current: go1.22.10; hello: hello from a minimal bookworm root",
            "docker-smoke: store copied to /opt/goversions-copy: go1.22.10; go version go1.22.10 linux/amd64; /opt/goversions-copy/go1.22.10",
        ]
        for line in expected {
            #expect(lines.contains(line), "missing: \(line)")
        }
        // The install ran unattended: plain phase lines, the cache removed by `gover cache clean`.
        #expect(lines.contains { $0.hasPrefix("    | Verified SHA256 ") })
        #expect(lines.contains { $0.hasPrefix("    | Removed ") && $0.contains("the release index") })
        #expect(lines.contains { $0.hasPrefix("docker-smoke: ldd in the root: ") && $0.hasSuffix("none missing") })
        // The release binary carries its commit; the debug build says `unknown`.
        let version = lines.first { $0.hasPrefix("docker-smoke: gover --version: gover 0.1.0 (") }
        #expect(version != nil && !version!.contains("unknown"), "\(version ?? "no version line")")
        #expect(lines.contains { $0.hasPrefix("docker-smoke: store size: ") && $0.contains(" MiB (") })
        #expect(lines.last?.hasPrefix("docker-smoke: OK") == true)
    }
}
