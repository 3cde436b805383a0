import BitcoinPrimitives
import BitcoindRPC
import Foundation
import TestSupport

/// `altnet-harness simnode` (the regtest bitcoind double) as a real subprocess with its RPC client.
final class SimnodeHandle: @unchecked Sendable {
    // @unchecked: `process` is only started here and killed in `kill()`; the rest is immutable.
    let process = Process()
    let datadir: String
    let rpc: BitcoindRPCClient

    struct StartFailure: Error, CustomStringConvertible { let description: String }

    /// Starts simnode off the cooperative pool and waits for its ports line.
    static func start(_ name: String) async throws -> SimnodeHandle {
        try await offPool { try SimnodeHandle(name: name) }
    }

    private init(name: String) throws {
        datadir = NSTemporaryDirectory() + "altlogic-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: try BuiltProduct.path("altnet-harness"))
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
            Foundation.kill(process.processIdentifier, SIGKILL)
            throw StartFailure(description: "simnode did not report its ports: \(String(decoding: line, as: UTF8.self))")
        }
        rpc = BitcoindRPCClient(.init(port: ports.rpcport, credentials: .cookieFile(datadir + "/regtest/.cookie")))
    }

    /// SIGKILL (test children may not see SIGTERM), wait, and remove the data directory.
    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: datadir)
    }

    /// Mines `n` blocks paying OP_TRUE (simnode's default).
    @discardableResult
    func mine(_ n: Int) async throws -> [BlockHash] {
        var hashes: [BlockHash] = []
        var left = n
        while left > 0 {
            let chunk = min(left, 5_000)
            let mined: [String] = try await rpc.call("simgenerate", [.int(chunk)])
            hashes += try mined.map { try BlockHash(displayHex: $0) }
            left -= chunk
        }
        return hashes
    }

    /// Mines `n` blocks paying another script, so they differ from blocks another node mines.
    @discardableResult
    func mineOwn(_ n: Int) async throws -> [BlockHash] {
        let mined: [String] = try await rpc.call("generatetoaddress", [.int(n), "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"])
        return try mined.map { try BlockHash(displayHex: $0) }
    }

    var tip: BlockHash {
        get async throws { try await rpc.getBestBlockHash() }
    }

    var height: Int {
        get async throws { try await rpc.getBlockchainInfo().blocks }
    }

    /// Copies `from`'s active chain above our tip's height into this node (submitblock).
    func copyBlocks(from other: SimnodeHandle) async throws {
        let mine = try await height
        let theirs = try await other.height
        guard theirs > mine else { return }
        var start = mine + 1
        while start <= theirs {
            let heights = Array(start...min(start + 499, theirs))
            let hashes = try await other.rpc.batch("getblockhash", heights.map { [.int($0)] }, as: String.self).map { try $0.get() }
            let blocks = try await other.rpc.batch("getblock", hashes.map { [.string($0), 0] }, as: String.self).map { try $0.get() }
            let verdicts = try await rpc.batch("submitblock", blocks.map { [.string($0)] }, as: String?.self)
            for verdict in verdicts where (try verdict.get()) != nil {
                throw StartFailure(description: "copying blocks: submitblock said \(String(describing: try verdict.get()))")
            }
            start += heights.count
        }
    }
}
