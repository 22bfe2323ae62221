@testable import GoverCore

#if GOVER_FUZZING
/// libFuzzer's entry point (`scripts/fuzz` builds with `-sanitize=fuzzer -DGOVER_FUZZING`);
/// the target comes from `GOVER_FUZZ_TARGET`.
private let fuzzTarget: FuzzTarget = {
    let name = currentEnvironment()["GOVER_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set GOVER_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzTarget.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// SwiftPM links an executable target's entry point as `<Module>_main` (so tests can link
/// the module): it hands control to libFuzzer's driver, found in this executable with dlsym
/// (no C declaration needed outside the wrapper targets).
@_cdecl("GoverFuzz_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    typealias RunDriver = @convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                                          TestOneInput) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "LLVMFuzzerRunDriver") else {
        fatalError("libFuzzer's driver is not linked in; build with -sanitize=fuzzer (scripts/fuzz)")
    }
    var count = argc
    var arguments = argv
    return unsafeBitCast(symbol, to: RunDriver.self)(&count, &arguments, fuzzOneInput)
}
#else
/// Without libFuzzer: `gover-fuzz TARGET FILE...` replays inputs (the committed corpus, a
/// crash file) through a target; exit 0 when none traps.
@main
enum ReplayEntry {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            writeAll("usage: gover-fuzz TARGET FILE...  (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))\n", to: 2)
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            guard let bytes = FileSystem.readFile(path) else {
                writeAll("gover-fuzz: cannot read \(path)\n", to: 2)
                exit(1)
            }
            target.run(bytes)
            count += 1
        }
        writeAll("gover-fuzz: \(target.rawValue): \(count) inputs replayed, no failure\n", to: 1)
    }
}
#endif
