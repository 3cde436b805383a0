import BitcoindRPC
import Foundation
import TestSupport

/// A temporary directory, removed by `cleanup()`.
struct TempDir {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "altnet-rpcproxy-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// `altnet-harness simnode` as a real subprocess with 20 blocks, data below height 10 pruned.
final class SimnodeChild: @unchecked Sendable {
    // @unchecked: the Process is started in init and afterwards only killed and waited for.
    let process = Process()
    let dir: TempDir
    let rpcPort: Int
    let rpc: BitcoindRPCClient
    var cookiePath: String { dir.path + "/regtest/.cookie" }

    struct StartFailure: Error, CustomStringConvertible { let description: String }

    /// Starts simnode off the cooperative pool, then generates 20 blocks and prunes below 10.
    static func startPruned() async throws -> SimnodeChild {
        let dir = try TempDir()
        let child: SimnodeChild
        do {
            child = try await offPool { try SimnodeChild(dir: dir) }
        } catch {
            dir.cleanup()
            throw error
        }
        do {
            let _: [String] = try await child.rpc.call("simgenerate", [20])
            let _: Int = try await child.rpc.call("simprune", [10])
        } catch {
            await child.stop()
            throw error
        }
        return child
    }

    private init(dir: TempDir) throws {
        self.dir = dir
        process.executableURL = URL(fileURLWithPath: try BuiltProduct.path("altnet-harness"))
        process.arguments = ["simnode", "--datadir", dir.path, "--rpcport", "0"]
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
            throw StartFailure(description: "simnode did not report its port: \(String(decoding: line, as: UTF8.self))")
        }
        rpcPort = ports.rpcport
        var config = BitcoindRPCClient.Configuration(port: rpcPort, credentials: .cookieFile(dir.path + "/regtest/.cookie"))
        config.maxConnections = 8
        rpc = BitcoindRPCClient(config)
    }

    /// simnode's cookie as a Basic Authorization header, for calling it directly.
    func authorization() throws -> String {
        RawHTTP.basic(try String(contentsOfFile: cookiePath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The getblockfrompeer calls simnode accepted: peer ids in order.
    func fetchLog() async throws -> [Int] {
        struct Entry: Decodable, Sendable { let peer_id: Int }
        let log: [Entry] = try await rpc.call("simfetchlog")
        return log.map(\.peer_id)
    }

    /// Replaces simnode's peers; returns their ids.
    func setPeers(_ peers: [[String: RPCParam]]) async throws -> [Int] {
        let _: Int = try await rpc.call("simsetpeers", [.array(peers.map { .object($0) })])
        struct P: Decodable, Sendable { let id: Int }
        let info: [P] = try await rpc.call("getpeerinfo")
        return info.map(\.id)
    }

    /// SIGKILL (test children may not see SIGTERM, docs/engineering-notes.md), wait, clean up.
    func stop() async {
        await rpc.close()
        let process = self.process
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = try? await offPool { process.waitUntilExit() }
        }
        dir.cleanup()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
