import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// `--v1-fallback` against simnode (the project's regtest bitcoind double, v1 P2P only): the
/// driver falls back to v1 and carries simnode's real regtest headers to the core.
@Suite struct SimnodeV1Tests {
    /// `altnet-harness simnode` on free ports, with user/password RPC auth.
    final class Simnode: @unchecked Sendable {
        // @unchecked: set once in init, then only read; `process` is only killed.
        let process = Process()
        let rpcPort: Int
        let p2pPort: Int

        /// - Parameter arguments: extra `altnet-harness simnode` arguments (e.g. `--v2transport 0`).
        init(datadir: String, arguments: [String] = []) async throws {
            let harness = try BuiltProduct.path("altnet-harness")
            process.executableURL = URL(fileURLWithPath: harness)
            process.arguments = [
                "simnode", "--datadir", datadir, "--rpcport", "0", "--p2pport", "0", "--zmqpub", "tcp://127.0.0.1:0",
                "--rpcuser", "u", "--rpcpassword", "p",
            ] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let process = self.process
            let line = try await offPool { () -> Data in
                var line = Data()
                let deadline = Date().addingTimeInterval(20)
                while !line.contains(UInt8(ascii: "\n")), Date() < deadline, process.isRunning {
                    line.append(out.fileHandleForReading.availableData)
                }
                return line
            }
            struct Ports: Decodable { let rpcport: Int; let p2pport: Int }
            guard let ports = try? JSONDecoder().decode(Ports.self, from: line) else {
                if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
                throw PythonPeer.Failure(description: "simnode did not report its ports: \(String(decoding: line, as: UTF8.self))")
            }
            rpcPort = ports.rpcport
            p2pPort = ports.p2pport
        }

        /// SIGKILL (test children inherit a blocked SIGTERM).
        func kill() {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
    }

    @Test func headersFromSimnodeOverV1Fallback() async throws {
        let datadir = FileManager.default.temporaryDirectory.appendingPathComponent("altnet-bip324-simnode-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: datadir) }
        // simnode accepts v2 by default, as bitcoind; v1 only here, so the fallback is exercised.
        let node = try await Simnode(datadir: datadir, arguments: ["--v2transport", "0"])
        defer { node.kill() }
        let rpc = BitcoindRPCClient(.init(port: node.rpcPort, credentials: .userPassword(user: "u", password: "p")))
        let mined: [String] = try await rpc.call("simgenerate", [.int(12)])
        await rpc.close()
        #expect(mined.count == 12)

        let config = try DriverFixture.config(ports: [node.p2pPort], arguments: ["--v1-fallback"])
        try await DriverFixture.withDriver(config) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let id = "127.0.0.1:\(node.p2pPort)"
            #expect(await events.waitFor { $0.connectedPeer == id } != nil)
            #expect(await events.waitForLog(["peer \(id)", "/simnode:", "PLAINTEXT v1"]) != nil)
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, timeout: .seconds(20))
            let reply = try #require(answer.value.replies.first)
            #expect(reply.command == "headers")
            var reader = ByteReader(try [UInt8](hex: reply.payload))
            let count = try reader.readCount("headers", limit: 2000, minElementSize: 81)
            var hashes: [String] = []
            for _ in 0..<count {
                hashes.append(try BlockHeader(from: &reader).hash.displayHex)
                _ = try reader.readCompactSize()
            }
            #expect(hashes == mined)
        }
    }
}
