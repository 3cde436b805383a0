import ArgumentParser
import BitcoinPrimitives
import Foundation
import HeaderChain
#if canImport(Glibc)
/// glibc's `mallopt` (malloc.h, not exported by the Glibc module). Options: M_TRIM_THRESHOLD -1,
/// M_MMAP_THRESHOLD -3.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// `altnet-bench headers`: full HeaderChain validation of the mainnet headers 822528 ... 830592
/// (parse, PoW, linkage, difficulty, MTP, future limit, version, chain work, best chain), against
/// raw double SHA-256 of the same 80-byte inputs in the same run. Validation costs one sha256d per
/// header plus bookkeeping, so the ratio shows how much the bookkeeping costs.
struct HeadersBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headers",
        abstract: "Headers validated per second through HeaderChain against raw sha256d of 80-byte inputs.")

    @Option(help: "Measured rounds over the 8,064 headers (the median round is reported).")
    var rounds = 15

    @Option(help: "The shared data directory (default: $ALTNET_SHARED, else ../shared beside the current directory or the package).")
    var shared: String?

    func validate() throws {
        guard rounds > 0, rounds <= 10_000 else { throw ValidationError("--rounds must be between 1 and 10000") }
    }

    func run() throws {
        let bytes = try SharedLocator.mainnetHeaders(explicit: shared)
        let anchorHeader = try BlockHeader(bytes: bytes[0..<BlockHeader.size])
        // Chain work at 822528 from chainwork.tsv (getblockheader's chainwork).
        let anchorWork = try UInt256(bigEndianHex: "624c5a3c876e3e6fffd9c800")
        let anchor = try ChainAnchor(header: anchorHeader, height: 822_528, chainWork: anchorWork)
        let count = bytes.count / BlockHeader.size - 1

        #if canImport(Glibc)
        // A long-running altnetd keeps its heap warm; by default glibc returns each round's
        // multi-megabyte arrays to the kernel and page-faults them back in the next round,
        // which would measure the kernel's page zeroing rather than validation.
        _ = glibcMallopt(-3, 256 << 20)  // M_MMAP_THRESHOLD
        _ = glibcMallopt(-1, 512 << 20)  // M_TRIM_THRESHOLD
        #endif
        var validateTimes: [UInt64] = []
        var hashTimes: [UInt64] = []
        var sink: UInt64 = 0
        for _ in 0..<(rounds + 1) {  // the first round warms up and is dropped
            // Validation: parse from the raw bytes and accept through a fresh HeaderChain.
            var chain = HeaderChain(params: .main, anchor: anchor)
            chain.reserveCapacity(count + 1)
            let t0 = cpuNanoseconds()
            let headers = try bytes.withUnsafeBytes { raw in
                var headers: [BlockHeader] = []
                headers.reserveCapacity(count)
                for i in 1...count {
                    headers.append(try BlockHeader(unsafeRawBytes: UnsafeRawBufferPointer(
                        rebasing: raw[(i * BlockHeader.size)..<((i + 1) * BlockHeader.size)])))
                }
                return headers
            }
            let result = try chain.accept(headers, from: HeaderSource("bench"), now: Int64(Date().timeIntervalSince1970))
            let t1 = cpuNanoseconds()
            guard result.accepted.count == count else {
                throw ValidationError("validated \(result.accepted.count) headers, expected \(count)")
            }
            sink &+= chain.tip.hash.hash.words.0

            // Physical limit: sha256d of the same 80-byte inputs.
            let t2 = cpuNanoseconds()
            bytes.withUnsafeBytes { raw in
                for i in 1...count {
                    let h = Hash256.sha256d(raw: UnsafeRawBufferPointer(
                        rebasing: raw[(i * BlockHeader.size)..<((i + 1) * BlockHeader.size)]))
                    sink &+= h.words.0
                }
            }
            let t3 = cpuNanoseconds()
            validateTimes.append(t1 - t0)
            hashTimes.append(t3 - t2)
        }
        let validatePerSecond = Double(count) / (Double(median(validateTimes.dropFirst())) / 1e9)
        let hashPerSecond = Double(count) / (Double(median(hashTimes.dropFirst())) / 1e9)
        BenchOutput.emit("headers.validate.per_s", validatePerSecond, "headers/s")
        BenchOutput.emit("sha256d.80B.per_s", hashPerSecond, "hashes/s")
        BenchOutput.emit("headers.validate.ratio", validatePerSecond / hashPerSecond, "ratio")
        if sink == 42 { FileHandle.standardError.write(Data("\n".utf8)) }  // keeps the hashing live
    }

    /// CPU time of this thread: the two measurements compare CPU cost, unaffected by other
    /// processes competing for the cores (wall time on a shared machine is not).
    private func cpuNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private func median(_ values: ArraySlice<UInt64>) -> UInt64 {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}

/// Finds the shared data directory for benchmarks.
enum SharedLocator {
    /// The 8,065 consecutive mainnet headers of ../shared/data/mainnet (heights 822528 to 830592).
    /// - Parameter explicit: a `--shared` path given on the command line.
    /// - Returns: the raw 80-byte headers, concatenated.
    /// - Throws: `ValidationError` when the file is missing or not a run of headers.
    static func mainnetHeaders(explicit: String?) throws -> [UInt8] {
        let file = try locate(explicit: explicit).appendingPathComponent("data/mainnet/headers-822528-830592.bin")
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: file)) } catch {
            throw ValidationError("cannot read \(file.path): \(error)")
        }
        guard bytes.count % BlockHeader.size == 0, bytes.count >= 2 * BlockHeader.size else {
            throw ValidationError("\(file.path) is not a sequence of 80-byte headers")
        }
        return bytes
    }

    /// - Parameter explicit: a path given on the command line.
    /// - Returns: `explicit` if given (it must exist), else the first existing of: $ALTNET_SHARED, ./../shared, and ../shared
    ///   beside the package that holds the executable (found by walking up to Package.swift).
    /// - Throws: `ValidationError` naming every place tried.
    static func locate(explicit: String?) throws -> URL {
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("data/mainnet").path) else {
                throw ValidationError("--shared \(explicit) has no data/mainnet directory")
            }
            return url
        }
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["ALTNET_SHARED"], !env.isEmpty {
            candidates.append(URL(fileURLWithPath: env))
        }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        candidates.append(cwd.deletingLastPathComponent().appendingPathComponent("shared"))
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<8 where dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                candidates.append(dir.deletingLastPathComponent().appendingPathComponent("shared"))
                break
            }
            dir = dir.deletingLastPathComponent()
        }
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("data/mainnet").path) {
            return candidate
        }
        throw ValidationError(
            "mainnet header data not found; looked for data/mainnet under: "
                + candidates.map(\.path).joined(separator: ", ")
                + ". Set ALTNET_SHARED or pass --shared.")
    }
}
