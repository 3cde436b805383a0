import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Logging
import Secp256k1
import Testing
import TestSupport

/// Misbehaving peers (integration/lightning_bad_peer.py on pyln-proto) against the driver: each is
/// handled without holding their data and with a reason in the driver's log (its stderr, which
/// the Altstack copies into the core's log).
@Suite("Lightning driver: bad peers", .serialized)
struct DriverBadPeerTests {
    @Test("a misbehaving peer is handled with a logged reason", arguments: [
        ("wrong-chain", "CLOSED", "peer's init networks do not include our chain"),
        ("even-unknown", "CLOSED", "unknown even message type 100: closing (BOLT 1)"),
        ("huge-fragment", "CLOSED", "total_length 100000000 exceeds the limit of 4000013"),
        ("stalled", "OPEN 1", "block incomplete at its deadline"),
        ("ping-flood", "OPEN", "ping flood"),
        ("bad-act-two", "CLOSED", "unsupported handshake version 1"),
    ])
    func badPeer(mode: String, outcome: String, logged: String) async throws {
        let driverKey = PrivateKey()
        let driverID = Hex.encode(driverKey.publicKey.serialized(compressed: true))
        let pyKey = PrivateKey()
        let pyID = Hex.encode(pyKey.publicKey.serialized(compressed: true))
        let collected = LogRecorder()
        var logger = Logger(label: "core") { _ in RecordingLogHandler(collected) }
        logger.logLevel = .info
        let holder = PeerHolder()
        defer { holder.peer?.stop() }

        var options: [String: JSONValue] = ["node_id": .string(driverID), "reassembly_timeout_ms": .int(1000)]
        let port = try LightningFixtures.freePort()
        if mode == "bad-act-two" {
            let peer = try PythonPeer(script: "lightning_bad_peer.py", arguments: [mode, "--privkey", Hex.encode(pyKey.rawRepresentation)])
            holder.peer = peer
            let first = try await offPool { try peer.readLine() }
            let pyPort = try #require(first.hasPrefix("PORT ") ? Int(first.dropFirst(5)) : nil, "python said \(first)")
            options["connect"] = .array([.string("\(pyID)@127.0.0.1:\(pyPort)")])
        } else {
            options["listen"] = .string("127.0.0.1:\(port)")
        }
        let core = TestCore(keys: ["ln": driverKey])
        let config = try LightningFixtures.config("ln", options: options)
        try await withAltstack([config], coreHandler: core.handle, logger: logger) { altstack in
            let received = Received()
            let events = Task {
                for await event in altstack.events {
                    if case .messageReceived(let driver, let peer, let message) = event {
                        received.append(driver: driver, peer: peer, message: message)
                    }
                }
            }
            defer { events.cancel() }
            #expect(await altstack.waitUntilReady(count: 1, timeout: .seconds(20)))
            let peer: PythonPeer
            if let started = holder.peer {
                peer = started
            } else {
                peer = try PythonPeer(script: "lightning_bad_peer.py", arguments: [
                    mode, "--privkey", Hex.encode(pyKey.rawRepresentation), "--node-id", driverID, "--port", "\(port)",
                ])
                holder.peer = peer
            }
            let line = try await offPool { try peer.readLine() }
            #expect(line.hasPrefix(outcome), "\(mode): python said \"\(line)\"; stderr: \(peer.stderrText())")
            if mode == "ping-flood" {
                let pongs = Int(line.split(separator: " ").last ?? "") ?? -1
                #expect((1...20).contains(pongs), "1,000 pings got \(pongs) pongs")
            }
            let seen = await eventually(timeout: .seconds(10)) { collected.contains(logged) }
            #expect(seen, "\(mode): no log line with \"\(logged)\"; got \(collected.all.suffix(8))")
            #expect(received.count(driver: "ln") == 0, "nothing from a bad peer reaches the core")
        }
    }
}
