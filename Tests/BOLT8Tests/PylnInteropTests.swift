import BitcoinPrimitives
import Secp256k1
import TestSupport
import Testing
@testable import BOLT8

/// Interop over 127.0.0.1 TCP against pyln-proto, Core Lightning's Python BOLT 8
/// (integration/bolt8_peer.py), in both roles, crossing key rotation both ways.
@Suite("BOLT 8 interop with pyln-proto", .serialized)
struct PylnInteropTests {
    static let messages = 1100

    /// What both directions must show after the exchange.
    func check(_ stats: InteropPeer.Stats, peer: (status: Int32, stdout: String, stderr: String)) {
        #expect(peer.status == 0, "pyln peer failed: \(peer.stderr)")
        #expect(peer.stdout.contains("OK \(Self.messages)"), "pyln peer output: \(peer.stdout) \(peer.stderr)")
        #expect(stats.sawInit)
        #expect(stats.peerNetworks == [InteropPeer.regtestChain])
        #expect(stats.ignored == 1, "the unknown odd message is ignored")
        #expect(stats.pings == 2)
        #expect(stats.pongsSent == 1, "no pong for num_pong_bytes >= 65532")
        #expect(stats.customReceived == Self.messages)
        #expect(stats.largestReceived == BOLT8Transport.maxMessageSize)
        // Each message uses two nonces and keys rotate every 1000: > 1000 messages each way
        // crosses rotation twice in each direction.
        #expect(stats.messagesReceived > 1000 && stats.messagesSent > 1000)
    }

    @Test("pyln-proto initiator -> our responder: init, ping/pong, 1,100 messages each way")
    func pylnInitiatesToUs() async throws {
        let ourKey = LocalNodeKey(privateKey: PrivateKey())
        let theirKey = PrivateKey()
        let (listener, port) = try LoopbackSocket.listen()
        let peer = try PythonPeer(script: "bolt8_peer.py", arguments: [
            "initiator", "--privkey", theirKey.rawRepresentation.hex,
            "--node-id", ourKey.publicKey.serialized().hex, "--port", String(port),
            "--messages", String(Self.messages),
        ])
        defer { peer.stop() }
        let stats = try await offPool {
            let socket = try listener.accept()
            let hs = Handshake(role: .responder, localStatic: ourKey.publicKey)
            let transport = try InteropPeer.handshake(socket, hs, nodeKey: ourKey)
            return try InteropPeer.serve(socket, transport: transport)
        }
        #expect(stats.remoteStatic == theirKey.publicKey, "act three authenticates pyln's node id")
        check(stats, peer: try await offPool { try peer.finish() })
    }

    @Test("our initiator -> pyln-proto responder: init, ping/pong, 1,100 messages each way")
    func weInitiateToPyln() async throws {
        let ourKey = LocalNodeKey(privateKey: PrivateKey())
        let theirKey = PrivateKey()
        let peer = try PythonPeer(script: "bolt8_peer.py", arguments: [
            "responder", "--privkey", theirKey.rawRepresentation.hex, "--messages", String(Self.messages),
        ])
        defer { peer.stop() }
        let line = try await offPool { try peer.readLine() }
        let port = try #require(line.hasPrefix("PORT ") ? UInt16(line.dropFirst(5)) : nil, "peer said: \(line)")
        let stats = try await offPool {
            let socket = try LoopbackSocket.connect(port: port)
            let hs = Handshake(role: .initiator(remoteStatic: theirKey.publicKey), localStatic: ourKey.publicKey)
            let transport = try InteropPeer.handshake(socket, hs, nodeKey: ourKey)
            return try InteropPeer.serve(socket, transport: transport)
        }
        #expect(stats.remoteStatic == theirKey.publicKey)
        check(stats, peer: try await offPool { try peer.finish() })
    }

    @Test("pyln-proto dialling the wrong node id is refused by our responder in act one")
    func pylnWrongNodeID() async throws {
        let ourKey = LocalNodeKey(privateKey: PrivateKey())
        let (listener, port) = try LoopbackSocket.listen()
        let peer = try PythonPeer(script: "bolt8_peer.py", arguments: [
            "initiator", "--privkey", PrivateKey().rawRepresentation.hex,
            "--node-id", PrivateKey().publicKey.serialized().hex, "--port", String(port), "--messages", "1",
        ])
        defer { peer.stop() }
        let outcome: BOLT8Error? = try await offPool {
            let socket = try listener.accept()
            do {
                _ = try InteropPeer.handshake(socket, Handshake(role: .responder, localStatic: ourKey.publicKey), nodeKey: ourKey)
                return nil
            } catch let error as BOLT8Error {
                return error
            }
        }
        #expect(outcome == .badTag(act: 1))
        let finished = try await offPool { try peer.finish() }
        #expect(finished.status != 0, "pyln sees the connection refused")
    }
}
