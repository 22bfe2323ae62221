/// An operating system and architecture, spelled as Go spells them (`linux-amd64`).
public struct Platform: Sendable, Hashable, CustomStringConvertible {
    public var os: String
    public var arch: String

    public init(os: String, arch: String) {
        self.os = os
        self.arch = arch
    }

    public var description: String { "\(os)-\(arch)" }

    /// The machine gover runs on.
    public static var current: Platform {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafePointer(to: value) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout<T>.size) { String(cString: $0) }
            }
        }
        return Platform(os: goOS(fromKernel: field(name.sysname)), arch: goArch(fromMachine: field(name.machine)))
    }

    /// `uname -s` to GOOS.
    public static func goOS(fromKernel kernel: String) -> String {
        switch kernel.lowercased() {
        case "darwin": return "darwin"
        case "linux": return "linux"
        case "freebsd": return "freebsd"
        default: return kernel.lowercased()
        }
    }

    /// `uname -m` to the architecture names used in go.dev file names.
    public static func goArch(fromMachine machine: String) -> String {
        switch machine {
        case "x86_64", "amd64": return "amd64"
        case "aarch64", "arm64", "aarch64_be": return "arm64"
        case "i386", "i486", "i586", "i686", "x86": return "386"
        case "armv6l", "armv7l", "armv7", "armv8l", "arm": return "armv6l"
        case "ppc64le": return "ppc64le"
        case "ppc64": return "ppc64"
        case "s390x": return "s390x"
        case "riscv64": return "riscv64"
        case "loongarch64", "loong64": return "loong64"
        case "mips64": return "mips64"
        case "mips64el": return "mips64le"
        default: return machine
        }
    }

    /// Whether an index entry's `arch` field means this platform's architecture: very old
    /// releases spell the 32-bit ARM archive `arm6` instead of `armv6l`.
    func acceptsIndexArch(_ arch: String) -> Bool {
        arch == self.arch || (self.arch == "armv6l" && arch == "arm6")
    }
}
