import Foundation

/// libFuzzer's entry point. Built with `-sanitize=fuzzer` (scripts/fuzz.sh), libFuzzer supplies
/// `main` and calls this for every generated input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    FuzzTargets.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if !FUZZING
/// Without libFuzzer (a plain `swift build`), `altnet-fuzz FILE...` replays saved inputs, e.g. a
/// crash file libFuzzer wrote, through the same targets.
@main
struct AltnetFuzz {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            FileHandle.standardError.write(Data("usage: altnet-fuzz INPUT_FILE... (see scripts/fuzz.sh to fuzz)\n".utf8))
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(1)
            }
            FuzzTargets.run(Array(data))
            FileHandle.standardError.write(Data("ok \(path) (\(data.count) bytes)\n".utf8))
        }
    }
}
#endif
