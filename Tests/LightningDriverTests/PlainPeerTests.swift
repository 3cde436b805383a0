import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Logging
import Secp256k1
import Testing
import TestSupport

/// A Lightning node without the altnet feature bit (integration/lightning_plain_peer.py on
/// pyln-proto) stays connected as a plain Lightning peer: pings answered, listed with
/// `altnet: false`, and never sent an altnet message (`sendmessage` to it fails, `broadcasttx`
/// skips it).
@Suite("Lightning driver: plain Lightning peers")
struct PlainPeerTests {
    @Test("a peer without the altnet bit is kept for ping/pong and gets no altnet messages")
    func plainPeer() async throws {
        let driverKey = PrivateKey()
        let driverID = Hex.encode(driverKey.publicKey.serialized(compressed: true))
        let pyKey = PrivateKey()
        let pyID = Hex.encode(pyKey.publicKey.serialized(compressed: true))
        let core = TestCore(keys: ["ln": driverKey])
        // Port 0: the OS picks it, and lightning.getinfo tells which.
        let config = try LightningFixtures.config("ln", options: ["node_id": .string(driverID), "listen": .string("127.0.0.1:0")])
        let logLines = LogRecorder()
        var logger = Logger(label: "core") { _ in RecordingLogHandler(logLines) }
        logger.logLevel = .info
        let holder = PeerHolder()
        defer { holder.peer?.stop() }
        try await withAltstack([config], coreHandler: core.handle, logger: logger) { altstack in
            #expect(await altstack.waitUntilReady(count: 1, timeout: .seconds(20)))
            let driver = try #require(altstack.supervisor(named: "ln"))
            let info = try await driver.call("lightning.getinfo", EmptyObject()).result(as: ReconnectTests.GetInfo.self)
            #expect(info.nodeid == driverID)
            let listen = try #require(info.listen)
            let port = try #require(listen.split(separator: ":").last.flatMap { Int($0) })
            #expect(listen.hasPrefix("127.0.0.1:") && port > 0, "listen \(listen)")

            let peer = try PythonPeer(script: "lightning_plain_peer.py", arguments: [
                "--privkey", Hex.encode(pyKey.rawRepresentation), "--node-id", driverID, "--port", "\(port)", "--seconds", "5",
            ])
            holder.peer = peer
            let ready = try await offPool { try peer.readLine() }
            try #require(ready.hasPrefix("READY "), "python said \"\(ready)\"; stderr: \(peer.stderrText())")

            // Listed, without the altnet capability.
            let listed = await eventually(timeout: .seconds(5)) { altstack.snapshot().first?.peers.map(\.id) == [pyID] }
            try #require(listed, "the plain peer is not listed: \(logLines.all.suffix(5))")
            let peers = try await driver.call(Methods.listPeers, EmptyObject()).result(as: ListPeersResult.self).peers
            #expect(peers.map(\.id) == [pyID])
            #expect(peers.first?.altnet == false)
            #expect(altstack.snapshot().first?.peers.first?.altnet == false, "peerconnected says altnet: false")

            // No altnet message goes to it: named, anyone, broadcast.
            let getheaders = DriverP2PMessage(command: "getheaders", payload: LightningFixtures.getHeadersPayload)
            do throws(DriverProtocolError) {
                _ = try await driver.call(Methods.sendMessage, SendMessageParams(peer: pyID, message: getheaders))
                Issue.record("sendmessage to a plain Lightning peer was accepted")
            } catch {
                #expect(error.kind == .peerUnavailable)
                #expect(error.message.contains("plain Lightning peer"), "\(error.message)")
            }
            do throws(DriverProtocolError) {
                _ = try await driver.call(Methods.sendMessage, SendMessageParams(message: getheaders))
                Issue.record("sendmessage to any peer went to a plain Lightning peer")
            } catch {
                #expect(error.message.contains("no altnet peer connected"), "\(error.message)")
            }
            let broadcast = try await driver.call(Methods.broadcastTx, BroadcastTxParams(tx: Hex.encode(LightningFixtures.fakeTx(1))))
                .result(as: BroadcastTxResult.self)
            #expect(!broadcast.accepted)
            #expect(broadcast.peers == 0)

            // The peer saw its pings answered and no altnet message, and the link stayed up.
            let line = try await offPool { try peer.readLine() }
            let parts = line.split(separator: " ")
            try #require(parts.count == 3 && parts[0] == "OPEN", "python said \"\(line)\"; stderr: \(peer.stderrText())")
            #expect(parts[1] == "0", "altnet messages reached a plain peer")
            #expect((Int(parts[2]) ?? 0) >= 3, "pongs: \(parts[2])")
            #expect(logLines.contains("plain Lightning peer connected"))
        }
    }
}
