import Altstack
import BitcoinPrimitives
import Crypto
import DriverProtocol
import Foundation
import JSON
import Secp256k1
import Testing
import TestSupport

/// altnet-driver-lightning against Core Lightning's BOLT 8 (PyPI pyln-proto), in both roles:
/// init exchange, an ignored odd message, ping/pong, and an altnet getheaders answered by the
/// driver's core with 2,000 real headers that pyln-proto receives as fragments and reassembles.
@Suite("Lightning driver: interop with pyln-proto", .serialized)
struct PylnDriverInteropTests {
    @Test("pyln-proto initiates, the driver listens")
    func pylnInitiator() async throws {
        let port = try LightningFixtures.freePort()
        try await run(driverOptions: { id in ["node_id": .string(id), "listen": .string("127.0.0.1:\(port)")] },
                      python: { _, driverID, key in
                          ["initiator", "--privkey", Hex.encode(key), "--node-id", driverID, "--port", "\(port)"]
                      })
    }

    @Test("the driver initiates, pyln-proto listens")
    func pylnResponder() async throws {
        try await run(driverOptions: nil, python: { _, _, key in ["responder", "--privkey", Hex.encode(key)] })
    }

    /// - Parameters:
    ///   - driverOptions: options for a listening driver, or nil for a driver that dials the
    ///     Python responder (options built once its port is known).
    ///   - python: the script's arguments from (driver key, driver id, python key).
    private func run(
        driverOptions: ((String) -> [String: JSONValue])?,
        python: (PrivateKey, String, [UInt8]) -> [String]
    ) async throws {
        let driverKey = PrivateKey()
        let driverID = Hex.encode(driverKey.publicKey.serialized(compressed: true))
        let pyKey = PrivateKey()
        let pyID = Hex.encode(pyKey.publicKey.serialized(compressed: true))
        let headers = try LightningFixtures.headersPayload(count: 2000)
        let expectedDigest = Hex.encode(Array(SHA256.hash(data: headers)))

        let pythonArguments = python(driverKey, driverID, pyKey.rawRepresentation)
        let holder = PeerHolder()
        defer { holder.peer?.stop() }
        let options: [String: JSONValue]
        if let driverOptions {
            options = driverOptions(driverID)
        } else {
            let peer = try PythonPeer(script: "lightning_altnet_peer.py", arguments: pythonArguments)
            holder.peer = peer
            let first = try await offPool { try peer.readLine() }
            let port = try #require(first.hasPrefix("PORT ") ? Int(first.dropFirst(5)) : nil, "python said \(first)")
            options = ["node_id": .string(driverID), "connect": .array([.string("\(pyID)@127.0.0.1:\(port)")])]
        }
        let core = TestCore(keys: ["ln": driverKey])
        let config = try LightningFixtures.config("ln", options: options)
        try await withAltstack([config], coreHandler: core.handle) { altstack in
            let events = Task {
                for await event in altstack.events {
                    guard case .messageReceived(_, let from, let message) = event, message.command == "getheaders" else { continue }
                    let reply = SendMessageParams(peer: from, message: DriverP2PMessage(command: "headers", payload: Hex.encode(headers)))
                    _ = try? await altstack.supervisor(named: "ln")?.call(Methods.sendMessage, reply)
                }
            }
            defer { events.cancel() }
            let peer: PythonPeer
            if let started = holder.peer {
                peer = started
            } else {
                #expect(await altstack.waitUntilReady(count: 1, timeout: .seconds(20)))
                peer = try PythonPeer(script: "lightning_altnet_peer.py", arguments: pythonArguments)
                holder.peer = peer
            }
            let line = try await offPool { try peer.readLine() }
            let status = try await offPool { try peer.finish().status }
            #expect(status == 0, "pyln peer failed: \(peer.stderrText())")
            let parts = line.split(separator: " ")
            try #require(parts.count == 3 && parts[0] == "OK", "pyln peer said \"\(line)\"; stderr: \(peer.stderrText())")
            #expect(parts[1] == "3", "2,000 headers travel as 3 fragments")
            #expect(String(parts[2]) == expectedDigest, "pyln reassembled the headers byte for byte")
            #expect(core.ecdhCount >= 1)
        }
    }
}

/// Keeps the Python peer for the cleanup in `defer`.
final class PeerHolder: @unchecked Sendable {
    // @unchecked: set and read by one test task.
    var peer: PythonPeer?
}
