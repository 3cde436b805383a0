import BIP324
import BitcoinPrimitives

/// Why the proxy closes a connection.
public struct ProxyError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One message that crossed the proxy, for the metrics.
public struct ProxyTraffic: Equatable, Sendable {
    public enum Direction: String, Sendable {
        /// From the v1 client to the remote peer.
        case toRemote = "client_to_remote"
        /// From the remote peer to the v1 client.
        case toClient = "remote_to_client"
    }

    public var direction: Direction
    public var command: String
    public var payloadBytes: Int

    public init(direction: Direction, command: String, payloadBytes: Int) {
        self.direction = direction
        self.command = command
        self.payloadBytes = payloadBytes
    }

    /// Commands a metric label may carry: BIP324's short-id table and the handshake and
    /// feature-negotiation messages. Anything else is counted as "other", so a client cannot
    /// grow the metrics without bound with made-up commands.
    static let labelled: Set<String> = Set(BIP324MessageType.shortIDs).union([
        "version", "verack", "sendheaders", "wtxidrelay", "sendaddrv2", "getaddr", "sendtxrcncl", "reqtxrcncl",
        "reconcildiff", "reject",
    ])

    /// The command as a metric label.
    public var commandLabel: String { Self.labelled.contains(command) ? command : "other" }
}

/// The translating half of a proxied connection, sans I/O: v1 frames from the client become
/// BIP324 v2 packets (short ids where BIP324 has them), v2 packets from the remote become v1
/// frames (decoys and unknown short ids dropped, as BIP324 says). On the `--v1-fallback` path
/// both sides are v1 and messages are re-framed unchanged.
///
/// Client framing errors follow Bitcoin Core's v1 rules: a bad checksum or an invalid command
/// drops that message and keeps the connection; wrong magic or an oversized length closes it.
public struct ProxyTranslator: Sendable {
    public let magic: NetworkMagic
    private var clientDecoder: V1FrameDecoder
    /// The v2 side; nil when the remote speaks v1.
    private var remote: BIP324Transport?
    /// The remote's v1 framing on the fallback path.
    private var remoteV1: V1FrameDecoder?
    private var toRemote: [UInt8] = []
    private var toClient: [UInt8] = []
    /// Client bytes kept until the remote's first byte, to replay over v1 if the remote turns
    /// out not to speak v2; nil once it spoke (or the copy grew past ``maxReplay``).
    public private(set) var replayableClientBytes: [UInt8]? = []
    /// True once any byte came from the remote.
    public private(set) var remoteSpoke = false
    /// Client messages dropped for a bad checksum or command (Core's rule), for the log.
    public private(set) var droppedClientMessages = 0
    /// v2 packets with unallocated short ids, dropped.
    public private(set) var droppedUnknownTypes = 0

    /// How many client bytes are kept for a v1 replay.
    public static let maxReplay = 8 << 20

    /// A v1 client over a v2 remote.
    /// - Parameters:
    ///   - magic: the network's message start.
    ///   - remote: a fresh BIP324 initiator transport (its key is already queued).
    public init(magic: NetworkMagic, remote: BIP324Transport) {
        self.magic = magic
        self.clientDecoder = V1FrameDecoder(magic: magic)
        self.remote = remote
    }

    /// A v1 client over a v1 remote (the fallback path).
    /// - Parameter magic: the network's message start.
    public init(v1Magic magic: NetworkMagic) {
        self.magic = magic
        self.clientDecoder = V1FrameDecoder(magic: magic)
        self.remoteV1 = V1FrameDecoder(magic: magic)
        self.replayableClientBytes = nil
    }

    /// True when the remote side is BIP324 v2.
    public var isV2: Bool { remote != nil }

    /// Feeds bytes from the client.
    /// - Returns: the messages they completed, in order.
    /// - Throws: ``ProxyError`` when the client's stream cannot continue.
    public mutating func fromClient(_ bytes: [UInt8]) throws(ProxyError) -> [ProxyTraffic] {
        if replayableClientBytes != nil {
            if (replayableClientBytes?.count ?? 0) + bytes.count > Self.maxReplay {
                replayableClientBytes = nil
            } else {
                replayableClientBytes? += bytes
            }
        }
        clientDecoder.feed(bytes)
        var out: [ProxyTraffic] = []
        while true {
            let frame: P2PFrame
            do throws(P2PFramingError) {
                guard let next = try clientDecoder.nextFrame() else { return out }
                frame = next
            } catch {
                if error.isFatal { throw ProxyError("client: \(error)") }
                droppedClientMessages += 1
                continue
            }
            out.append(ProxyTraffic(direction: .toRemote, command: frame.command.name, payloadBytes: frame.payload.count))
            if remote != nil {
                do {
                    try remote?.send(BIP324Message(command: frame.command.name, payload: frame.payload))
                } catch {
                    throw ProxyError("remote: \(error)")
                }
            } else {
                toRemote += frame.encoded(magic: magic)
            }
        }
    }

    /// Feeds bytes from the remote peer.
    /// - Returns: the messages they completed, in order.
    /// - Throws: ``ProxyError`` when the remote's stream cannot continue (failed authentication,
    ///   an oversized packet, a v1 framing error).
    public mutating func fromRemote(_ bytes: [UInt8]) throws(ProxyError) -> [ProxyTraffic] {
        if !bytes.isEmpty {
            remoteSpoke = true
            replayableClientBytes = nil
        }
        var out: [ProxyTraffic] = []
        if remote != nil {
            let events: [BIP324Event]
            do { events = try remote?.receive(bytes) ?? [] } catch { throw ProxyError("remote: \(error)") }
            for event in events {
                switch event {
                case .handshakeComplete, .v1PeerDetected:
                    continue
                case .unknownMessageType:
                    droppedUnknownTypes += 1
                case .message(let message):
                    let command: P2PCommand
                    do { command = try P2PCommand(message.command) } catch { throw ProxyError("remote: command \(message.command): \(error)") }
                    toClient += P2PFrame(command: command, payload: message.payload).encoded(magic: magic)
                    out.append(ProxyTraffic(direction: .toClient, command: message.command, payloadBytes: message.payload.count))
                }
            }
            return out
        }
        remoteV1?.feed(bytes)
        while true {
            let frame: P2PFrame
            do throws(P2PFramingError) {
                guard let next = try remoteV1?.nextFrame() else { return out }
                frame = next
            } catch {
                if error.isFatal { throw ProxyError("remote: \(error)") }
                continue
            }
            toClient += frame.encoded(magic: magic)
            out.append(ProxyTraffic(direction: .toClient, command: frame.command.name, payloadBytes: frame.payload.count))
        }
    }

    /// Bytes waiting for the remote peer.
    public mutating func takeBytesForRemote() -> [UInt8] {
        if remote != nil { return remote?.takeBytesToSend() ?? [] }
        defer { toRemote = [] }
        return toRemote
    }

    /// Bytes waiting for the client.
    public mutating func takeBytesForClient() -> [UInt8] {
        defer { toClient = [] }
        return toClient
    }

    /// Lends the bytes waiting for the remote to `write` (which copies them out, e.g. into a
    /// socket buffer) and keeps the buffer for the next ones: no fresh megabyte-sized array per
    /// message. The buffer must not escape `write`.
    public mutating func withBytesForRemote(_ write: (UnsafeRawBufferPointer) -> Void) {
        if remote != nil {
            remote?.withBytesToSend { pending in
                if !pending.isEmpty { write(pending) }
                return pending.count
            }
            return
        }
        guard !toRemote.isEmpty else { return }
        toRemote.withUnsafeBytes { write($0) }
        toRemote.removeAll(keepingCapacity: toRemote.capacity <= 1 << 23)
    }

    /// Lends the bytes waiting for the client to `write`, as ``withBytesForRemote(_:)`` does.
    public mutating func withBytesForClient(_ write: (UnsafeRawBufferPointer) -> Void) {
        guard !toClient.isEmpty else { return }
        toClient.withUnsafeBytes { write($0) }
        toClient.removeAll(keepingCapacity: toClient.capacity <= 1 << 23)
    }
}
