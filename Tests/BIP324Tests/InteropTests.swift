import BIP324
import BitcoinPrimitives
import Foundation
import Testing
import TestSupport

/// Interop over 127.0.0.1 TCP against Bitcoin Core's functional-test BIP324 code (PyPI
/// verystable), driven by integration/bip324_peer.py. Both directions: the Python peer as
/// initiator against our responder, and as responder against our initiator. Each side sends
/// version, verack, ping and a 2,000-header headers message and answers the other's ping.
@Suite("BIP324 interop with verystable", .serialized)
struct InteropTests {
    static let pingNonce: UInt64 = 0x8877_6655_4433_2211
    static let userAgent = "/altnet-bip324-test:0.1/"

    @Test("verystable initiator -> our responder")
    func pythonInitiates() throws {
        let (listener, port) = try LoopbackSocket.listen()
        let peer = try PythonPeer(script: "bip324_peer.py", arguments: ["initiator", String(port)])
        defer { peer.stop() }
        let socket: LoopbackSocket
        do {
            socket = try listener.accept(while: { peer.process.isRunning })
        } catch {
            // The peer gave up before connecting: its own report says why (verystable missing...).
            _ = try peer.finishJSON()
            throw error
        }
        var transport = try BIP324Transport(role: .responder, networkMagic: Fixture.regtestMagic)
        try Self.converse(socket: socket, transport: &transport, peer: peer)
    }

    @Test("our initiator -> verystable responder")
    func weInitiate() throws {
        let peer = try PythonPeer(script: "bip324_peer.py", arguments: ["responder"])
        defer { peer.stop() }
        let first = try peer.readJSON()
        let port = try #require((first["port"] as? NSNumber)?.uint16Value, "no port from the Python peer: \(first)")
        let socket = try LoopbackSocket.connect(port: port)
        var transport = try BIP324Transport(role: .initiator, networkMagic: Fixture.regtestMagic)
        try Self.converse(socket: socket, transport: &transport, peer: peer)
    }

    /// Our side of the conversation, then the cross-checks against the Python peer's summary.
    /// Payloads go through BitcoinPrimitives' v1 message codecs (P2PMessage).
    static func converse(socket: LoopbackSocket, transport: inout BIP324Transport, peer: PythonPeer) throws {
        let headersFile = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        let ourHeaders = try (0..<2000).map { try BlockHeader(bytes: headersFile[($0 * 80)..<($0 * 80 + 80)]) }
        let loopback = NetworkAddress(services: 0, ip: IPAddress(ipv4: 127, 0, 0, 1), port: 18444)
        let ourVersion = VersionMessage(
            version: 70016, services: 0, timestamp: 1_700_000_000, receiver: loopback, sender: loopback,
            nonce: 0x0102_0304_0506_0708, userAgent: Array(userAgent.utf8), startHeight: 0, relay: false)
        for m: P2PMessage in [.version(ourVersion), .verack, .ping(nonce: pingNonce), .headers(ourHeaders)] {
            try transport.send(BIP324Message(command: m.command.name, payload: m.encodePayload()))
        }

        var sessionID: [UInt8]?
        var theirVersion: VersionMessage?
        var gotVerack = false, gotPong = false, answeredPing = false
        var theirHeaders: [BlockHeader]?
        while !(theirVersion != nil && gotVerack && gotPong && answeredPing && theirHeaders != nil) {
            if transport.hasBytesToSend { try socket.send(transport.takeBytesToSend()) }
            let bytes = try socket.receive()
            if bytes.isEmpty {
                let summary = try? peer.finishJSON()
                Issue.record("the Python peer closed the connection early: \(summary.map { "\($0)" } ?? "no output")")
                return
            }
            for event in try transport.receive(bytes) {
                guard case .message(let m) = event else {
                    if case .handshakeComplete(let sid) = event { sessionID = sid } else { Issue.record("unexpected \(event)") }
                    continue
                }
                switch try P2PMessage.decode(command: P2PCommand(m.command), payload: m.payload) {
                case .version(let v): theirVersion = v
                case .verack: gotVerack = true
                case .ping(let nonce):
                    let pong = P2PMessage.pong(nonce: nonce)
                    try transport.send(BIP324Message(command: pong.command.name, payload: pong.encodePayload()))
                    answeredPing = true
                case .pong(let nonce):
                    #expect(nonce == pingNonce)
                    gotPong = true
                case .headers(let headers):
                    for (previous, next) in zip(headers, headers.dropFirst()) {
                        #expect(next.previousBlockHash == previous.hash, "received headers do not link")
                    }
                    theirHeaders = headers
                default: Issue.record("unexpected message \(m.command)")
                }
            }
        }
        if transport.hasBytesToSend { try socket.send(transport.takeBytesToSend()) }

        let summary = try peer.finishJSON()
        #expect(summary["ok"] as? Bool == true, "Python peer failed: \(summary)")
        #expect(sessionID != nil && sessionID == transport.sessionID)
        #expect(summary["session_id"] as? String == transport.sessionID?.hex, "session ids differ")
        #expect(theirVersion?.version == 70016)
        #expect(theirVersion?.userAgentString == "/verystable-bip324-peer/")
        let received = summary["received"] as? [String: Any] ?? [:]
        let version = received["version"] as? [String: Any] ?? [:]
        #expect(version["user_agent"] as? String == userAgent)
        #expect((received["answered_ping"] as? NSNumber)?.uint64Value == pingNonce)
        let headers = received["headers"] as? [String: Any] ?? [:]
        #expect((headers["count"] as? NSNumber)?.intValue == 2000)
        #expect(headers["last_hash"] as? String == ourHeaders.last?.hash.displayHex)
        let sent = summary["sent_headers"] as? [String: Any] ?? [:]
        #expect(theirHeaders?.count == 2000)
        #expect(theirHeaders?.last?.hash.displayHex == sent["last_hash"] as? String)
    }
}
