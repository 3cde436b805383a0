import Foundation

extension FuzzTargets {
    /// The target every input goes to when `ALTNET_FUZZ_ONLY` is set (one selector per run).
    static let onlySelector: UInt8? = ProcessInfo.processInfo.environment["ALTNET_FUZZ_ONLY"].flatMap { UInt8($0) }
}

/// libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    FuzzTargets.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if FUZZING
/// libFuzzer's driver (compiler-rt, linked by `-sanitize=fuzzer`). SwiftPM renames the
/// executable's `main`, so libFuzzer's own `main` is not used: ours hands control to the driver.
/// C signature: `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

/// `altnet-fuzz`: built by scripts/fuzz.sh with `-sanitize=fuzzer -DFUZZING`, it is a libFuzzer
/// binary taking libFuzzer's options. A plain `swift build` makes a replayer instead:
/// `altnet-fuzz FILE...` runs saved inputs (e.g. a crash-* file) through the same targets.
@main
struct AltnetFuzz {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) }
        exit(status)
        #else
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            FileHandle.standardError.write(Data("usage: altnet-fuzz INPUT_FILE... (scripts/fuzz.sh builds the fuzzer)\n".utf8))
            exit(2)
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(1)
            }
            FuzzTargets.run(Array(data))
            FileHandle.standardError.write(Data("ok \(path) (\(data.count) bytes)\n".utf8))
        }
        #endif
    }
}
