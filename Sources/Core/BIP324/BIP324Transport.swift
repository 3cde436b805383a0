@preconcurrency import Crypto
import ElligatorSwift
import Foundation
import _CryptoExtras
import Secp256k1

/// What the transport reports to its caller after reading bytes.
public enum BIP324Event: Equatable, Sendable {
    /// Responder only: the peer opened with v1's `magic || "version\0\0\0\0\0"`. The transport is
    /// finished; replay `received` (every byte fed so far) into a v1 decoder to fall back.
    case v1PeerDetected(received: [UInt8])
    /// The peer's version packet arrived: the channel is authenticated both ways.
    case handshakeComplete(sessionID: [UInt8])
    /// An application message.
    case message(BIP324Message)
    /// A message with an unallocated short id; BIP324 says ignore it (reported for logging).
    case unknownMessageType(UInt8)
}

/// A sans-I/O BIP324 v2 transport, initiator or responder: a byte pump in the style of Bitcoin
/// Core's `V2Transport` (`receive`, `takeBytesToSend`, `send`). No sockets, no clocks; keys,
/// randomness and garbage are injected.
///
/// ```
///            initiator                                   responder
///               │ init: queue our key || garbage            │ init
///               │                                           ▼
///               │                          awaitingV1Prefix ──16 bytes = magic||"version\0…"──► v1Detected
///               │                                           │ first byte that differs:           (terminal)
///               ▼                                           ▼ queue our key || garbage
///          awaitingKey ◄─────────────────────────────────────┘
///               │ their 64-byte key: ECDH, HKDF; queue terminator, decoys, version packet,
///               ▼ then messages queued by send()
///   awaitingGarbageTerminator ──no terminator within 4095 bytes of garbage──► failed (terminal)
///               │ terminator found; their garbage becomes the first packet's AAD
///               ▼
///        awaitingVersion ── decoy packets skipped; first non-decoy packet (contents ignored)
///               ▼                                         emits handshakeComplete
///             ready ── packets: messages, decoys skipped ── any error ──► failed (terminal)
/// ```
public struct BIP324Transport: Sendable {
    public enum Role: Sendable, Equatable {
        case initiator
        case responder
    }

    enum Phase: Equatable, Sendable {
        case awaitingV1Prefix
        case awaitingKey
        case awaitingGarbageTerminator
        case awaitingVersion
        case ready
        case v1Detected
        case failed(BIP324Error)
    }

    /// Most garbage either side may send before its terminator.
    public static let maxGarbageLength = 4095
    public static let garbageTerminatorLength = 16
    /// Largest packet contents accepted or sent: a 1-byte type, a 12-byte long type and a
    /// 4,000,000-byte payload (Bitcoin Core's MAX_PROTOCOL_MESSAGE_LENGTH), as Core's
    /// V2Transport allows. Longer length prefixes are refused before any allocation.
    public static let maxContentsLength = 1 + 12 + 4_000_000

    public let role: Role
    let networkMagic: [UInt8]
    let privateKey: PrivateKey
    /// Our 64-byte ElligatorSwift public key encoding.
    public let ourEllSwift: [UInt8]
    let ourGarbage: [UInt8]
    let decoyLengths: [Int]
    let versionContents: [UInt8]

    var phase: Phase
    var cipher: BIP324Cipher?
    var inbox: [UInt8] = []
    var inboxStart = 0
    /// Bytes for the peer are `outbox[outboxStart...]`. A sealed packet is adopted as the whole
    /// outbox when it is empty (swift-crypto's output buffer, no copy), so `outbox` may be a
    /// slice: `outboxStart` is a `Data` index, not an offset.
    var outbox = Data()
    var outboxStart = 0
    var pendingLength: Int?
    var receiveAAD: [UInt8] = []
    var garbageScanFrom = 0
    var queued: [(header: UInt8, typePrefix: [UInt8], payload: [UInt8])] = []

    /// - Parameters:
    ///   - role: initiator (we connected) or responder (we accepted).
    ///   - networkMagic: the network's 4 message-start bytes (salt for the keys, v1 detection).
    ///   - privateKey: our ephemeral key (fresh per connection).
    ///   - ellswiftRandomness: 32 random bytes for encoding our public key.
    ///   - garbage: 0 to 4095 bytes sent after our key (random in production).
    ///   - decoyLengths: contents lengths of decoy packets sent before our version packet.
    ///   - versionContents: our version packet's contents (empty in current BIP324).
    /// - Throws: `.invalidArgument` on out-of-range inputs.
    public init(
        role: Role, networkMagic: [UInt8], privateKey: PrivateKey, ellswiftRandomness: [UInt8],
        garbage: [UInt8], decoyLengths: [Int] = [], versionContents: [UInt8] = []
    ) throws(BIP324Error) {
        guard networkMagic.count == 4 else { throw BIP324Error(.invalidArgument("network magic must be 4 bytes")) }
        guard garbage.count <= Self.maxGarbageLength else {
            throw BIP324Error(.invalidArgument("garbage of \(garbage.count) bytes exceeds \(Self.maxGarbageLength)"))
        }
        guard decoyLengths.allSatisfy({ (0...Self.maxContentsLength).contains($0) }) else {
            throw BIP324Error(.invalidArgument("decoy length out of range"))
        }
        guard versionContents.count <= Self.maxContentsLength else {
            throw BIP324Error(.invalidArgument("version packet contents of \(versionContents.count) bytes exceed the maximum"))
        }
        do {
            ourEllSwift = try ElligatorSwift.create(privateKey: privateKey, randomness: ellswiftRandomness)
        } catch {
            throw BIP324Error(.invalidArgument(error.description))
        }
        self.role = role
        self.networkMagic = networkMagic
        self.privateKey = privateKey
        self.ourGarbage = garbage
        self.decoyLengths = decoyLengths
        self.versionContents = versionContents
        switch role {
        case .initiator:
            outbox = Data(ourEllSwift + garbage)
            phase = .awaitingKey
        case .responder:
            phase = .awaitingV1Prefix
        }
    }

    /// A transport with a fresh key, fresh randomness and a random amount (0...4095) of random
    /// garbage from the system's secure generator.
    public init(role: Role, networkMagic: [UInt8]) throws(BIP324Error) {
        var rng = SystemRandomNumberGenerator()
        let garbage = Self.randomBytes(Int.random(in: 0...Self.maxGarbageLength, using: &rng))
        try self.init(
            role: role, networkMagic: networkMagic, privateKey: PrivateKey(using: &rng),
            ellswiftRandomness: Self.randomBytes(32), garbage: garbage)
    }

    /// Random bytes: a ChaCha20 keystream under a fresh 256-bit random key. Drawing thousands of
    /// bytes from the system generator costs one getrandom syscall per 8 bytes (~0.3 ms for
    /// 4 KiB of garbage); the keystream needs four.
    static func randomBytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        let key = SymmetricKey(size: .bits256)
        if let stream = try? Insecure.ChaCha20CTR.encrypt(
            [UInt8](repeating: 0, count: count), using: key, nonce: Insecure.ChaCha20CTR.Nonce()) {
            return Array(stream)
        }
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// The session ID once keys are derived (both sides see the same 32 bytes).
    public var sessionID: [UInt8]? { cipher?.sessionID }

    /// True once the peer's version packet has been received.
    public var isReady: Bool { phase == .ready }

    /// Bytes waiting to go to the peer.
    public var hasBytesToSend: Bool { outboxStart < outbox.endIndex }

    /// Hands over every byte waiting to go to the peer (the caller writes them all).
    public mutating func takeBytesToSend() -> [UInt8] {
        let offset = outboxStart - outbox.startIndex
        let out = outbox.withUnsafeBytes { [UInt8](UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        outbox = Data()
        outboxStart = 0
        return out
    }

    /// Byte-pump form (Bitcoin Core's GetBytesToSend / MarkBytesSent): lends the pending bytes
    /// to `write`, which returns how many it wrote; those are dropped. The pointer must not
    /// escape `write`. No copy: a packet sealed while nothing was pending is lent straight from
    /// swift-crypto's output buffer.
    /// - Returns: what `write` returned.
    @discardableResult
    public mutating func withBytesToSend(_ write: (UnsafeRawBufferPointer) throws -> Int) rethrows -> Int {
        let offset = outboxStart - outbox.startIndex, pending = outbox.endIndex - outboxStart
        let written = try outbox.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
        outboxStart += max(0, min(written, pending))
        let done = outboxStart - outbox.startIndex
        if outboxStart == outbox.endIndex {
            outbox = Data()
            outboxStart = 0
        } else if done >= 1 << 16 && done * 2 >= outbox.count {
            // Mostly written: keep only the rest (one copy) so a slow socket does not pin it all.
            outbox = Data(outbox[outboxStart...])
            outboxStart = outbox.startIndex
        }
        return written
    }

    /// Queues a sealed packet: adopted as the outbox when nothing else is pending, else appended.
    mutating func appendToOutbox(_ packet: Data) {
        if outboxStart == outbox.endIndex {
            outbox = packet
            outboxStart = packet.startIndex
        } else {
            outbox.append(packet)
        }
    }

    /// Queues an application message. Before the keys exist it waits and goes out right after
    /// our version packet.
    /// - Throws: `.invalidArgument` for a command that cannot be encoded or an oversized payload,
    ///   `.transportClosed` after a failure or v1 fallback.
    public mutating func send(_ message: BIP324Message) throws(BIP324Error) {
        let prefix = try BIP324MessageType.encode(message.command)
        guard prefix.count + message.payload.count <= Self.maxContentsLength else {
            throw BIP324Error(.invalidArgument("message of \(message.payload.count) bytes exceeds the BIP324 maximum"))
        }
        try enqueue(header: 0, typePrefix: prefix, payload: message.payload)
    }

    /// ``send(_:)`` for a payload lent as raw bytes, sealed straight from where it lies (a v1
    /// frame in a read buffer, say): no array is made of it once the keys exist.
    /// - Parameters:
    ///   - command: the message command (a short id is used where BIP324 has one).
    ///   - payload: the payload; must outlive the call only.
    /// - Throws: as ``send(_:)``.
    public mutating func send(command: String, payload: UnsafeRawBufferPointer) throws(BIP324Error) {
        let prefix = try BIP324MessageType.encode(command)
        guard prefix.count + payload.count <= Self.maxContentsLength else {
            throw BIP324Error(.invalidArgument("message of \(payload.count) bytes exceeds the BIP324 maximum"))
        }
        switch phase {
        case .failed, .v1Detected: throw BIP324Error(.transportClosed)
        case .awaitingV1Prefix, .awaitingKey: queued.append((0, prefix, [UInt8](payload)))
        case .awaitingGarbageTerminator, .awaitingVersion, .ready:
            guard let packet = try cipher?.seal(header: 0, typePrefix: prefix, payload: payload, aad: []) else {
                throw BIP324Error(.transportClosed)
            }
            appendToOutbox(packet)
        }
    }

    /// Queues a decoy packet (ignore bit set) of `length` zero bytes of contents.
    /// - Throws: `.invalidArgument` when the length is out of range, `.transportClosed` after failure.
    public mutating func sendDecoy(length: Int) throws(BIP324Error) {
        guard (0...Self.maxContentsLength).contains(length) else {
            throw BIP324Error(.invalidArgument("decoy length \(length) out of range"))
        }
        try enqueue(header: BIP324Cipher.ignoreBit, typePrefix: [], payload: [UInt8](repeating: 0, count: length))
    }

    private mutating func enqueue(header: UInt8, typePrefix: [UInt8], payload: [UInt8]) throws(BIP324Error) {
        switch phase {
        case .failed, .v1Detected: throw BIP324Error(.transportClosed)
        case .awaitingV1Prefix, .awaitingKey: queued.append((header, typePrefix, payload))
        case .awaitingGarbageTerminator, .awaitingVersion, .ready:
            // Optional chaining mutates the cipher in place (no copy of its buffers and keys).
            guard let packet = try cipher?.seal(header: header, typePrefix: typePrefix, payload: payload, aad: []) else {
                throw BIP324Error(.transportClosed)
            }
            appendToOutbox(packet)
        }
    }
}
