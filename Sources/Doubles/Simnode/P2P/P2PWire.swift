import BIP324
import BitcoinPrimitives

/// What the wire of one inbound connection reports after reading bytes.
enum P2PWireEvent: Equatable, Sendable {
    /// The transport is known: "v1" (plaintext) or "v2" (BIP324, with the 32-byte session id).
    case transportKnown(type: String, sessionID: [UInt8]?)
    /// A complete message.
    case frame(P2PFrame)
    /// A message dropped without disconnecting (bad checksum, invalid command, unknown short
    /// id), as Core drops them; the reason is for the log.
    case dropped(String)
}

/// A reason to close the connection (the wire refuses all further bytes).
struct P2PWireFailure: Error, Equatable, Sendable, CustomStringConvertible {
    let description: String
}

/// The framing of one inbound P2P connection, sans-I/O: as bitcoind with `-v2transport=1`, a
/// BIP324 responder that falls back to v1 when the first 16 bytes are the network magic and
/// "version" (the BIP324 module detects that); with `-v2transport=0`, v1 only.
///
/// ```
/// v2transport=1:  detecting ──magic||"version"──► v1 (bytes so far replayed into the v1 decoder)
///                     └──────any other prefix──► v2 (keys, garbage, version packet, messages)
/// v2transport=0:  v1
/// ```
struct P2PWire: Sendable {
    private var v2: BIP324Transport?
    private var v1: V1FrameDecoder?
    private let magic: NetworkMagic
    private var pendingV1Output: [UInt8] = []
    /// "detecting", "v1" or "v2", as getpeerinfo's transport_protocol_type.
    private(set) var transportType: String

    /// - Parameters:
    ///   - v2transport: accept BIP324 (and detect v1), or v1 only; outbound: BIP324 initiator or v1.
    ///   - outbound: we connected (BIP324 initiator: our key goes out at once).
    ///   - magic: the network's message start (regtest for simnode).
    /// - Throws: ``P2PWireFailure`` if the BIP324 transport cannot be set up (no randomness).
    init(v2transport: Bool, outbound: Bool = false, magic: NetworkMagic = .regtest) throws(P2PWireFailure) {
        self.magic = magic
        if v2transport {
            do {
                v2 = try BIP324Transport(role: outbound ? .initiator : .responder, networkMagic: magic.wireBytes)
            } catch {
                throw P2PWireFailure(description: "BIP324 transport setup failed: \(error)")
            }
            transportType = "detecting"
        } else {
            v1 = V1FrameDecoder(magic: magic)
            transportType = "v1"
        }
    }

    /// Feeds bytes read from the socket.
    /// - Parameter bytes: any split of the peer's stream.
    /// - Returns: the events these bytes completed, in order.
    /// - Throws: ``P2PWireFailure`` when the peer must be disconnected (BIP324 failure, wrong
    ///   magic, oversized v1 length).
    mutating func receive(_ bytes: [UInt8]) throws(P2PWireFailure) -> [P2PWireEvent] {
        var events: [P2PWireEvent] = []
        if v2 != nil {
            let v2Events: [BIP324Event]
            do {
                v2Events = try v2?.receive(bytes) ?? []
            } catch {
                throw P2PWireFailure(description: "v2 transport: \(error)")
            }
            for event in v2Events {
                switch event {
                case .v1PeerDetected(let received):
                    v2 = nil
                    v1 = V1FrameDecoder(magic: magic)
                    transportType = "v1"
                    events.append(.transportKnown(type: "v1", sessionID: nil))
                    events += try drainV1(received)
                case .handshakeComplete(let sessionID):
                    transportType = "v2"
                    events.append(.transportKnown(type: "v2", sessionID: sessionID))
                case .message(let message):
                    if let command = try? P2PCommand(message.command) {
                        events.append(.frame(P2PFrame(command: command, payload: message.payload)))
                    } else {
                        events.append(.dropped("invalid message type \(message.command.debugDescription)"))
                    }
                case .unknownMessageType(let id):
                    events.append(.dropped("unknown short message id \(id)"))
                }
            }
            return events
        }
        return try drainV1(bytes)
    }

    private mutating func drainV1(_ bytes: [UInt8]) throws(P2PWireFailure) -> [P2PWireEvent] {
        guard v1 != nil else { return [] }
        v1?.feed(bytes)
        var events: [P2PWireEvent] = []
        while true {
            do {
                guard let frame = try v1?.nextFrame() else { return events }
                events.append(.frame(frame))
            } catch {
                if error.isFatal { throw P2PWireFailure(description: "v1 framing: \(error)") }
                events.append(.dropped("v1 framing: \(error)"))
            }
        }
    }

    /// Queues a message (encrypted on v2; on v2 before the keys exist it waits for them).
    /// - Throws: ``P2PWireFailure`` when the transport is closed or the message is too large.
    mutating func send(_ frame: P2PFrame) throws(P2PWireFailure) {
        if v2 != nil {
            do {
                try v2?.send(BIP324Message(command: frame.command.name, payload: frame.payload))
            } catch {
                throw P2PWireFailure(description: "v2 send \(frame.command): \(error)")
            }
        } else {
            pendingV1Output += frame.encoded(magic: magic)
        }
    }

    /// Every byte waiting to go to the peer (v2 key, garbage, packets, or v1 frames).
    mutating func takeBytesToSend() -> [UInt8] {
        if v2 != nil { return v2?.takeBytesToSend() ?? [] }
        defer { pendingV1Output = [] }
        return pendingV1Output
    }
}
