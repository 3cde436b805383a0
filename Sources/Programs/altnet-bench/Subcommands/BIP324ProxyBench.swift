import ArgumentParser
import BIP324
import BitcoinPrimitives
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `altnet-bench bip324-proxy`: a bulk transfer of `block` messages through
/// `altnet-driver-bip324 proxy` (v1 client <-> proxy <-> BIP324 v2 peer) against the same
/// transfer over a direct v1 connection, in the same run, both directions, on loopback. The
/// physical floor beside them: the same bytes over a raw loopback TCP connection.
///
/// Figures: `bip324proxy.bulk.{upload,download}.{raw_tcp,direct_v1,proxy_v2}` in MB/s of
/// payload, `bip324proxy.bulk.{upload,download}.ratio_vs_direct`, and
/// `bip324proxy.bulk.ratio_vs_direct`, the worse of the two directions (target >= 0.7).
/// Upload: the v1 client sends; download: the v2 peer sends. Each figure is the best of
/// `--rounds` interleaved runs, so load from other processes hits all sides alike.
///
/// The physical limit, measured in the same run: the CPU every path took per MB (bench threads
/// and proxy together, `.cpu_ms_per_MB`, `.cores_used`), the raw SHA-256d and ChaCha20-Poly1305
/// costs (`bip324proxy.raw.*`), and from them `bip324proxy.bulk.{upload,download}.ceiling_ratio`:
/// the best `ratio_vs_direct` this machine's cores allow for the proxied path's unavoidable work
/// (``ProxyCeiling``), its worse direction as `bip324proxy.bulk.ceiling_ratio`, and
/// `bip324proxy.bulk.ratio_of_ceiling`. The ceiling holds for an otherwise idle machine
/// (`bip324proxy.loadavg_1min` says how idle it was).
struct BIP324ProxyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bip324-proxy",
        abstract: "Bulk transfer through the v1-to-v2 proxy against a direct v1 connection, in one run.")

    @Option(help: "The proxy executable (default: altnet-driver-bip324 beside this executable, else .build/{release,debug}).")
    var proxy: String?

    @Option(help: "Messages per transfer.")
    var messages = 64

    @Option(help: "Payload bytes per message.")
    var size = 1_000_000

    @Option(help: "Interleaved rounds; each figure is the best.")
    var rounds = 5

    static let magic = NetworkMagic.regtest

    func validate() throws {
        guard messages > 0, rounds > 0 else { throw ValidationError("--messages and --rounds must be positive") }
        guard (1...3_999_000).contains(size) else { throw ValidationError("--size must be 1 to 3,999,000 bytes") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let executable = try proxyPath()
        var generator = SystemRandomNumberGenerator()
        let payload = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let frame = P2PFrame(command: .block, payload: payload).encoded(magic: Self.magic)
        let peers = try BenchPeers(frame: frame, payload: payload, messages: messages)
        let proxyPort = try Self.freePort()
        let mapPort = try Self.freePort()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = [
            "proxy", "--network", "regtest", "--listen", "127.0.0.1:\(proxyPort)",
            "--map", "127.0.0.1:\(mapPort)=127.0.0.1:\(peers.v2Port)",
        ]
        child.standardError = FileHandle.nullDevice
        try child.run()
        defer {
            child.terminate()
            child.waitUntilExit()
        }

        var samples: [String: [Double]] = [:]
        var costs = TransferCosts()
        let pid = child.processIdentifier
        for round in 0...rounds {
            for direction in Direction.allCases {
                // Round 0 warms up (first connections, page faults) and is not counted.
                func run(_ kind: BenchPeers.Kind, _ name: String, port: Int) throws {
                    let key = "\(direction.rawValue).\(name)"
                    let seconds = try costs.measure(key, proxy: pid, count: round > 0) { try peers.transfer(kind, direction, port: port) }
                    if round > 0 { samples[key, default: []].append(seconds) }
                }
                try run(.raw, "raw_tcp", port: peers.rawPort)
                try run(.v1, "direct_v1", port: peers.v1Port)
                try run(.v2, "proxy_v2", port: mapPort)
            }
        }
        let primitives = try PrimitiveCosts(payload: payload)
        let megabytes = Double(messages * size) / 1e6
        let measuredMB = megabytes * Double(rounds)
        var worst = Double.infinity, worstCeiling = Double.infinity
        for direction in Direction.allCases {
            let key = { (name: String) in "\(direction.rawValue).\(name)" }
            let best = { (name: String) -> Double in megabytes / (samples[key(name)]?.min() ?? .infinity) }
            let cpu = { (name: String) -> Double in (costs.cpu[key(name)] ?? 0) * 1000 / measuredMB }
            let raw = best("raw_tcp"), direct = best("direct_v1"), proxied = best("proxy_v2")
            let metric = "bip324proxy.bulk.\(direction.rawValue)"
            BenchOutput.emit("\(metric).raw_tcp", raw, "MB/s")
            BenchOutput.emit("\(metric).direct_v1", direct, "MB/s")
            BenchOutput.emit("\(metric).proxy_v2", proxied, "MB/s")
            BenchOutput.emit("\(metric).ratio_vs_direct", proxied / direct, "ratio")
            worst = min(worst, proxied / direct)
            for name in ["raw_tcp", "direct_v1", "proxy_v2"] {
                BenchOutput.emit("\(metric).\(name).cpu_ms_per_MB", cpu(name), "ms")
                // CPU over wall time of the same transfers: how many cores the path kept busy.
                let wall = (samples[key(name)] ?? []).reduce(0, +)
                if wall > 0 { BenchOutput.emit("\(metric).\(name).cores_used", (costs.cpu[key(name)] ?? 0) / wall, "cores") }
            }
            let ceiling = ProxyCeiling(
                directWall: 1000 / direct, directCPU: cpu("direct_v1"), hopCPU: cpu("raw_tcp"),
                primitives: primitives, cores: CPUClock.cores)
            BenchOutput.emit("\(metric).proxy_v2.cpu_floor_ms_per_MB", ceiling.floorCPU, "ms")
            BenchOutput.emit("\(metric).ceiling_ratio", ceiling.ratio, "ratio")
            worstCeiling = min(worstCeiling, ceiling.ratio)
        }
        BenchOutput.emit("bip324proxy.bulk.ratio_vs_direct", worst, "ratio")
        BenchOutput.emit("bip324proxy.bulk.ceiling_ratio", worstCeiling, "ratio")
        BenchOutput.emit("bip324proxy.bulk.ratio_of_ceiling", worst / worstCeiling, "ratio")
        BenchOutput.emit("bip324proxy.raw.sha256d.ms_per_MB", primitives.sha256d, "ms")
        BenchOutput.emit("bip324proxy.raw.chachapoly_seal.ms_per_MB", primitives.seal, "ms")
        BenchOutput.emit("bip324proxy.raw.chachapoly_open.ms_per_MB", primitives.open, "ms")
        BenchOutput.emit("bip324proxy.cores", Double(CPUClock.cores), "cores")
        // The ceiling assumes the bench had the machine to itself: a load average near the core
        // count means other processes took CPU and the ceiling reads too high.
        if let load = CPUClock.loadAverage { BenchOutput.emit("bip324proxy.loadavg_1min", load, "load") }
        BenchOutput.emit("bip324proxy.bulk.message_size", Double(size), "bytes")
        BenchOutput.emit("bip324proxy.bulk.transfer_size", megabytes, "MB")
    }

    private func proxyPath() throws -> String {
        if let proxy { return proxy }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("altnet-driver-bip324").path
        for candidate in [beside, ".build/release/altnet-driver-bip324", ".build/debug/altnet-driver-bip324"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw ValidationError(
            "altnet-driver-bip324 not found; build it (swift build -c release --product altnet-driver-bip324) or pass --proxy")
    }

    /// A port free on 127.0.0.1 now.
    static func freePort() throws -> Int {
        let (fd, port) = try BenchSocket.listen()
        close(fd)
        return port
    }
}

/// Which way the bulk data flows.
enum Direction: String, CaseIterable {
    /// The v1 client sends, the far peer receives.
    case upload
    /// The far peer sends, the v1 client receives.
    case download
}
