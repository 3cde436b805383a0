import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Logging
import Secp256k1
import Testing
import TestSupport

/// A peer that stops reading (integration/lightning_bad_peer.py no-read, on pyln-proto) cannot
/// make the driver hold unbounded memory: past the outbound queue's cap `sendmessage` fails with
/// a clear error, and the driver's resident memory grows by less than what was pushed at it.
@Suite("Lightning driver: bounded outbound queue")
struct SlowReaderTests {
    @Test("48 MB of blocks to a peer that never reads: refused past the 4.1 MB cap, RSS bounded")
    func slowReader() async throws {
        let driverKey = PrivateKey()
        let driverID = Hex.encode(driverKey.publicKey.serialized(compressed: true))
        let pyKey = PrivateKey()
        let pyID = Hex.encode(pyKey.publicKey.serialized(compressed: true))
        let port = try LightningFixtures.freePort()
        let cap = 4_100_000
        let core = TestCore(keys: ["ln": driverKey])
        let config = try LightningFixtures.config("ln", options: [
            "node_id": .string(driverID), "listen": .string("127.0.0.1:\(port)"), "outbound_queue_bytes": .int(Int64(cap)),
        ])
        let holder = PeerHolder()
        defer { holder.peer?.stop() }
        try await withAltstack([config], coreHandler: core.handle) { altstack in
            #expect(await altstack.waitUntilReady(count: 1, timeout: .seconds(20)))
            let peer = try PythonPeer(script: "lightning_bad_peer.py", arguments: [
                "no-read", "--privkey", Hex.encode(pyKey.rawRepresentation), "--node-id", driverID, "--port", "\(port)",
                "--seconds", "120",
            ])
            holder.peer = peer
            let ready = try await offPool { try peer.readLine() }
            try #require(ready == "READY", "python said \"\(ready)\"; stderr: \(peer.stderrText())")
            let linked = await eventually(timeout: .seconds(10)) { altstack.snapshot().first?.peers.map(\.id) == [pyID] }
            try #require(linked)
            let pid = try #require(altstack.snapshot().first?.pid)
            let driver = try #require(altstack.supervisor(named: "ln"))

            // Warm up the paths a block takes (JSON line, hex, fragments) before the baseline.
            var block = [UInt8](repeating: 0, count: 1_000_000)
            for i in block.indices { block[i] = UInt8(truncatingIfNeeded: i &* 13 &+ i >> 9) }
            let message = DriverP2PMessage(command: "block", payload: Hex.encode(block))
            _ = try await driver.call(Methods.sendMessage, SendMessageParams(peer: pyID, message: message), timeout: .seconds(20))
            let baseline = try ResidentMemory.kib(pid: pid) * 1024

            var accepted = 1
            var refusals: [String] = []
            for _ in 1..<48 {
                do throws(DriverProtocolError) {
                    _ = try await driver.call(Methods.sendMessage, SendMessageParams(peer: pyID, message: message), timeout: .seconds(20))
                    accepted += 1
                } catch {
                    #expect(error.kind == .peerUnavailable, "\(error)")
                    refusals.append(error.message)
                }
            }
            let grown = try ResidentMemory.kib(pid: pid) * 1024 - baseline
            FileHandle.standardError.write(Data("slow reader: \(accepted) of 48 blocks accepted, \(refusals.count) refused, driver RSS grew \(grown) bytes\n".utf8))
            // What the queue took: the cap, plus what NIO and the kernel's socket buffers absorbed.
            #expect(accepted <= 16, "\(accepted) of 48 blocks accepted by a peer that reads nothing")
            #expect(refusals.count >= 32)
            let first = try #require(refusals.first)
            #expect(first.contains("outbound queue to \(pyID.prefix(16)) is full"), "\(first)")
            let queued = Self.queuedBytes(first)
            #expect(queued.map { $0 <= cap } == true, "\(first)")
            #expect(grown < 24_000_000, "RSS grew \(grown) bytes while 48 MB were pushed at a peer that never reads")
            // The link is still there: refusing is not dropping.
            #expect(altstack.snapshot().first?.peers.map(\.id) == [pyID])
        }
    }

    /// N in "N bytes queued".
    static func queuedBytes(_ text: String) -> Int? {
        guard let range = text.range(of: " bytes queued") else { return nil }
        return Int(text[..<range.lowerBound].split(separator: " ").last ?? "")
    }
}
