import TestSupport
import BitcoinPrimitives
import Crypto
import Secp256k1
@testable import BOLT8

/// The Swift side of the pyln-proto exchange (see integration/bolt8_peer.py): our pure
/// handshake and transport driven over a ``LoopbackSocket``.
struct InteropPeer {
    /// Regtest genesis hash, internal byte order (what BOLT 1's networks TLV carries).
    static let regtestChain: [UInt8] = Array(
        ((try? [UInt8](hex: "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")) ?? []).reversed())
    static let request: UInt16 = 32769, reply: UInt16 = 32771, done: UInt16 = 32773

    struct Stats: Sendable {
        var remoteStatic: PublicKey
        var sawInit = false
        var peerNetworks: [[UInt8]] = []
        var ignored = 0
        var pings = 0
        var pongsSent = 0
        var customReceived = 0
        var messagesReceived = 0
        var messagesSent = 0
        var largestReceived = 0
    }

    /// Runs the handshake over the socket, answering the node-key ECDH with `nodeKey`.
    static func handshake(_ socket: LoopbackSocket, _ start: Handshake, nodeKey: LocalNodeKey) throws -> BOLT8Transport {
        var hs = start
        var events = try hs.start()
        while true {
            for event in events {
                switch event {
                case .send(let bytes): try socket.send(bytes)
                case .needStaticECDH: break
                case .complete(let transport): return transport
                }
            }
            if case .needStaticECDH(let point)? = events.first(where: {
                if case .needStaticECDH = $0 { return true } else { return false }
            }) {
                events = try hs.resume(staticECDH: try nodeKey.ecdhSync(point))
                continue
            }
            let chunk = try socket.receive()
            if chunk.isEmpty { try hs.endOfInput() }
            events = try hs.receive(chunk)
        }
    }

    /// Sends init, then answers the peer until its final message.
    static func serve(_ socket: LoopbackSocket, transport start: BOLT8Transport) throws -> Stats {
        var transport = start
        var stats = Stats(remoteStatic: transport.remoteStatic)
        func send(_ message: BOLT1Message) throws {
            try socket.send(try transport.encrypt(try message.encoded()))
            stats.messagesSent += 1
        }
        try send(.initMessage(InitMessage(features: [0x02, 0x00], networks: [regtestChain])))
        while true {
            let chunk = try socket.receive()
            if chunk.isEmpty {
                try transport.receiver.endOfInput()
                throw PeerFailure("peer closed before its final message")
            }
            transport.feed(chunk)
            while let bytes = try transport.nextMessage() {
                stats.messagesReceived += 1
                stats.largestReceived = max(stats.largestReceived, bytes.count)
                let message = try BOLT1Message.decode(bytes, understoodCustomTypes: [request, done])
                if !stats.sawInit {
                    guard case .initMessage(let initMessage) = message else {
                        throw PeerFailure("first message was type \(message.type), not init")
                    }
                    stats.sawInit = true
                    stats.peerNetworks = initMessage.networks ?? []
                    continue
                }
                switch message {
                case .ignored: stats.ignored += 1
                case .ping(let ping):
                    stats.pings += 1
                    if let pong = ping.response {
                        try send(.pong(pong))
                        stats.pongsSent += 1
                    }
                case .custom(request, let payload):
                    guard payload.count >= 4 else { throw PeerFailure("short custom message") }
                    let index = payload[0..<4].reduce(0) { $0 << 8 | Int($1) }
                    guard index == stats.customReceived else {
                        throw PeerFailure("custom message \(index) arrived as number \(stats.customReceived)")
                    }
                    stats.customReceived += 1
                    try send(.custom(type: reply, payload: Array(payload[0..<4]) + SHA256.hash(data: payload)))
                case .custom(done, _):
                    let n = UInt32(stats.customReceived)
                    try send(.custom(type: done, payload: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: n >> $0) }))
                    return stats
                default:
                    throw PeerFailure("unexpected message type \(message.type)")
                }
            }
        }
    }
}

/// What went wrong talking to a peer in the BOLT 8 interop and handshake tests.
struct PeerFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
