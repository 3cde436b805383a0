import AltLogic
import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import Logging
import Secp256k1

/// `altnet-harness simnode` as a subprocess, for the rescue bench.
final class BenchSimnode: @unchecked Sendable {
    // @unchecked: started in init, killed in `kill()`; the rest is immutable.
    let process = Process()
    let datadir: String
    let rpc: BitcoindRPCClient

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Starts simnode and reads its ports line (blocks the calling thread: call off the pool).
    init(harness: String, name: String) throws {
        datadir = NSTemporaryDirectory() + "altnet-bench-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: harness)
        process.arguments = ["simnode", "--datadir", datadir, "--rpcport", "0", "--zmqpub", "tcp://127.0.0.1:0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        let deadline = Date().addingTimeInterval(20)
        while !line.contains(UInt8(ascii: "\n")), Date() < deadline, process.isRunning {
            line.append(out.fileHandleForReading.availableData)
        }
        struct Ports: Decodable { let rpcport: Int }
        guard let ports = try? JSONDecoder().decode(Ports.self, from: line) else {
            kill(process.processIdentifier, SIGKILL)
            throw Failure(description: "simnode did not report its ports")
        }
        rpc = BitcoindRPCClient(.init(port: ports.rpcport, credentials: .cookieFile(datadir + "/regtest/.cookie")))
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: datadir)
    }

    func mine(_ n: Int) async throws {
        let _: [String] = try await rpc.call("simgenerate", [.int(n)])
    }

    /// Copies `other`'s active chain above our height (up to `height`, else its tip) with
    /// getblock / submitblock batches.
    /// - Returns: blocks copied.
    @discardableResult
    func copyBlocks(from other: BenchSimnode, upTo height: Int? = nil) async throws -> Int {
        let mine = try await rpc.getBlockchainInfo().blocks
        let tip = try await other.rpc.getBlockchainInfo().blocks
        let theirs = min(tip, height ?? tip)
        var start = mine + 1
        while start <= theirs {
            let heights = Array(start...min(start + 499, theirs))
            let hashes = try await other.rpc.batch("getblockhash", heights.map { [.int($0)] }, as: String.self).map { try $0.get() }
            let blocks = try await other.rpc.batch("getblock", hashes.map { [.string($0), 0] }, as: String.self).map { try $0.get() }
            for verdict in try await rpc.batch("submitblock", blocks.map { [.string($0)] }, as: String?.self) {
                if let reason = try verdict.get() { throw Failure(description: "submitblock: \(reason)") }
            }
            start += heights.count
        }
        return max(0, theirs - mine)
    }
}

/// Alice's and Bob's Altstacks, each with one `altnet-driver-lightning` (Alice dials Bob over
/// 127.0.0.1); Bob's side answers with ``Serving`` from Bob's simnode.
struct BenchLightningPair {
    let alice: Altstack
    let bob: Altstack
    let serving: Serving
    let tasks: [Task<Void, Never>]

    /// - Parameter servingLimits: Bob's serving budget (the daemon's defaults unless the bench lifts it).
    init(driver: String, bobRPC: BitcoindRPCClient, servingLimits: ServingLimits, logger: Logger) throws {
        let (ka, kb) = (PrivateKey(), PrivateKey())
        let idB = Hex.encode(kb.publicKey.serialized(compressed: true))
        let port = try BenchPort.free()
        let tmp = NSTemporaryDirectory()
        let a = DriverConfig(name: "ln-a", executable: driver,
                             options: ["node_id": .string(Hex.encode(ka.publicKey.serialized(compressed: true))),
                                       "connect": .array([.string("\(idB)@127.0.0.1:\(port)")])],
                             dataDir: tmp + "altnet-bench-ln-a")
        let b = DriverConfig(name: "ln-b", executable: driver,
                             options: ["node_id": .string(idB), "listen": .string("127.0.0.1:\(port)")],
                             dataDir: tmp + "altnet-bench-ln-b")
        let alice = Altstack(drivers: [a], logger: logger, coreHandler: NodeKeySigner(keys: ["ln-a": ka]).handler)
        let bob = Altstack(drivers: [b], logger: logger, coreHandler: NodeKeySigner(keys: ["ln-b": kb]).handler)
        let serving = Serving(altstack: bob, bitcoind: bobRPC, chain: .regtest, logger: logger, limits: servingLimits)
        self.alice = alice
        self.bob = bob
        self.serving = serving
        tasks = [
            Task { try? await alice.run() },
            Task { try? await bob.run() },
            Task { for await _ in alice.events {} },
            Task {
                for await event in bob.events {
                    if case .messageReceived(let driver, let peer, let message) = event {
                        Task { await serving.handle(driver: driver, peer: peer, message: message) }
                    }
                }
            },
        ]
    }

    func linked(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (alice.snapshot() + bob.snapshot()).allSatisfy({ $0.state == .ready && $0.peers.count == 1 }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The drivers' process ids (Alice's, then Bob's), when running.
    var driverPIDs: (alice: Int32?, bob: Int32?) {
        (alice.snapshot().first?.pid, bob.snapshot().first?.pid)
    }

    func stop() async {
        alice.stop()
        bob.stop()
        for task in tasks.prefix(2) { _ = await task.value }
        for task in tasks { task.cancel() }
    }
}

enum BenchPort {
    /// A TCP port free on 127.0.0.1 now (bound to port 0, read, closed).
    static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchSimnode.Failure(description: "socket failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw BenchSimnode.Failure(description: "bind failed") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
