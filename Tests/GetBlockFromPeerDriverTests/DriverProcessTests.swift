import BitcoinPrimitives
import BitcoindRPC
import GetBlockFromPeerDriverCore
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The built `altnet-driver-rpc` as altnetd runs it: driver protocol on its stdio, bitcoind
/// (simnode, pruned) behind it; and `altnet-harness check-driver` against it.
@Suite(.serialized) struct DriverProcessTests {
    static func executable(_ name: String) throws -> String {
        try BuiltProduct.path(name)
    }

    /// A running driver with line-oriented stdin/stdout.
    final class DriverProcess: @unchecked Sendable {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        var buffer: [UInt8] = []

        init() throws {
            process.executableURL = URL(fileURLWithPath: try DriverProcessTests.executable("altnet-driver-rpc"))
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func send(_ json: String) throws {
            try input.fileHandleForWriting.write(contentsOf: Data((json + "\n").utf8))
        }

        /// Blocking: the next stdout line as a JSON object (call through offPool).
        func readLine() throws -> [String: Any] {
            while true {
                if let nl = buffer.firstIndex(of: 0x0A) {
                    let line = Data(buffer[..<nl])
                    buffer.removeSubrange(...nl)
                    guard let object = try JSONSerialization.jsonObject(with: line) as? [String: Any] else {
                        throw CocoaError(.coderReadCorrupt)
                    }
                    return object
                }
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw CocoaError(.fileReadUnknown) }
                buffer += chunk
            }
        }

        /// Sends a request and waits for the answer with its id (notifications are skipped).
        func call(_ id: Int, _ method: String, _ params: String) async throws -> [String: Any] {
            try send(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#)
            let box = self
            return try await offPool {
                while true {
                    let line = try box.readLine()
                    if line["id"] as? Int == id { return SendableDict(line) }
                }
            }.value
        }

        func kill() {
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    struct SendableDict: @unchecked Sendable {
        let value: [String: Any]
        init(_ value: [String: Any]) { self.value = value }
    }

    @Test func getdataForAPrunedBlockAndBroadcastThroughTheDriverProcess() async throws {
        try await PrunedSimnode.start().with { node in
            let driver = try DriverProcess()
            defer { driver.kill() }
            let manifest = try await driver.call(1, "getmanifest", #"{"protocol_versions":[1]}"#)
            let result = try #require(manifest["result"] as? [String: Any], "\(manifest)")
            let caps = try #require(result["capabilities"] as? [String: Any])
            #expect(Set(caps["message_kinds"] as? [String] ?? []) == ["blocks", "transactions"])
            let options = (result["options"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(options.contains("rpcconnect") && options.contains("rpccookiefile") && options.contains("rpcuser"))

            let genesis = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
            let initParams = #"{"network":"regtest","chain":{"genesis_hash":"\#(genesis)","magic":"fabfb5da","default_port":18444},"options":{"rpcconnect":"127.0.0.1:\#(node.server.rpcPort)","rpccookiefile":"\#(node.cookie)","peer_timeout_ms":2000},"data_dir":"\#(node.dir.path)"}"#
            let initAnswer = try await driver.call(2, "init", initParams)
            #expect(initAnswer["result"] != nil, "\(initAnswer)")

            let hash = try await node.rpc.getBlockHash(height: 6)
            let inv = P2PMessage.getdata([Inventory(type: .witnessBlock, hash: hash.hash)]).encodePayload()
            let answer = try await driver.call(3, "sendmessage",
                #"{"message":{"command":"getdata","payload":"\#(inv.hex)"},"expect":["block","notfound"],"timeout_ms":10000}"#)
            let sent = try #require(answer["result"] as? [String: Any], "\(answer)")
            #expect(sent["peer"] as? String == "bitcoind")
            let replies = try #require(sent["replies"] as? [[String: Any]])
            #expect(replies.count == 1 && replies.first?["command"] as? String == "block")
            let payload = try [UInt8](hex: replies.first?["payload"] as? String ?? "")
            #expect(try Block(bytes: payload).hash == hash)
            #expect(try await node.rpc.simFetchLog().count == 1)

            let bad = try await driver.call(4, "broadcasttx", #"{"tx":"00"}"#)
            let broadcast = try #require(bad["result"] as? [String: Any], "\(bad)")
            #expect(broadcast["accepted"] as? Bool == false)
            #expect((broadcast["reason"] as? String)?.contains("-22") == true)

            _ = try await driver.call(5, "shutdown", "{}")
        }
    }

    @Test func fiftyPipelinedGetdataForOneBlockCauseOneGetblockfrompeer() async throws {
        try await PrunedSimnode.start().with { node in
            let driver = try DriverProcess()
            defer { driver.kill() }
            _ = try await driver.call(1, "getmanifest", #"{"protocol_versions":[1]}"#)
            let genesis = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
            let initParams = #"{"network":"regtest","chain":{"genesis_hash":"\#(genesis)","magic":"fabfb5da","default_port":18444},"options":{"rpcconnect":"127.0.0.1:\#(node.server.rpcPort)","rpccookiefile":"\#(node.cookie)"},"data_dir":"\#(node.dir.path)"}"#
            _ = try await driver.call(2, "init", initParams)
            let hash = try await node.rpc.getBlockHash(height: 1)
            let inv = P2PMessage.getdata([Inventory(type: .witnessBlock, hash: hash.hash)]).encodePayload()
            for id in 100..<150 {
                try driver.send(#"{"jsonrpc":"2.0","id":\#(id),"method":"sendmessage","params":{"message":{"command":"getdata","payload":"\#(inv.hex)"},"expect":["block"],"timeout_ms":10000}}"#)
            }
            let payloads = try await offPool {
                var seen: [Int: String] = [:]
                while seen.count < 50 {
                    let line = try driver.readLine()
                    guard let id = line["id"] as? Int, (100..<150).contains(id) else { continue }
                    let replies = (line["result"] as? [String: Any])?["replies"] as? [[String: Any]]
                    seen[id] = replies?.first?["payload"] as? String ?? "error: \(line)"
                }
                return Array(seen.values)
            }
            #expect(payloads.count == 50)
            #expect(Set(payloads).count == 1)
            #expect(try Block(bytes: try [UInt8](hex: payloads.first ?? "")).hash == hash)
            #expect(try await node.rpc.simFetchLog().count == 1)
            _ = try await driver.call(3, "shutdown", "{}")
        }
    }

    @Test func blockNoPeerHasIsATimeoutErrorNotAHang() async throws {
        try await PrunedSimnode.start().with { node in
            _ = try await node.rpc.simSetPeers([["delivers": false], ["delivers": false]])
            let driver = try DriverProcess()
            defer { driver.kill() }
            _ = try await driver.call(1, "getmanifest", #"{"protocol_versions":[1]}"#)
            let genesis = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
            let initParams = #"{"network":"regtest","chain":{"genesis_hash":"\#(genesis)","magic":"fabfb5da","default_port":18444},"options":{"rpcconnect":"127.0.0.1:\#(node.server.rpcPort)","rpccookiefile":"\#(node.cookie)","peer_timeout_ms":300},"data_dir":"\#(node.dir.path)"}"#
            _ = try await driver.call(2, "init", initParams)
            let hash = try await node.rpc.getBlockHash(height: 9)
            let inv = P2PMessage.getdata([Inventory(type: .witnessBlock, hash: hash.hash)]).encodePayload()
            let start = ContinuousClock.now
            let answer = try await driver.call(3, "sendmessage",
                #"{"message":{"command":"getdata","payload":"\#(inv.hex)"},"expect":["block","notfound"],"timeout_ms":1200}"#)
            let elapsed = ContinuousClock.now - start
            let error = try #require(answer["error"] as? [String: Any], "\(answer)")
            #expect(error["code"] as? Int == -32003)
            #expect((error["message"] as? String)?.contains(hash.displayHex) == true, "\(error)")
            #expect(elapsed < .seconds(4), "\(elapsed)")
            _ = try await driver.call(4, "shutdown", "{}")
        }
    }

    @Test func passesCheckDriver() async throws {
        let harness = try Self.executable("altnet-harness")
        let driver = try Self.executable("altnet-driver-rpc")
        let (status, text, _) = try await runToEnd(harness, ["check-driver", driver])
        #expect(status == 0, "\(text)")
        #expect(text.contains("checks passed"), "\(text)")
        #expect(text.contains("PASS  framing: binary: "), "\(text)")
    }
}
