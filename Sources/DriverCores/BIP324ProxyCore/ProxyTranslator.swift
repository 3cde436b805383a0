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
/// both sides are v1 and checked frames pass unchanged.
///
/// Client framing errors follow Bitcoin Core's v1 rules: a bad checksum or an invalid command
/// drops that message and keeps the connection; wrong magic or an oversized length closes it.
///
/// Bulk data is copied as little as the APIs allow: a client frame is checked (its checksum
/// hashed once) and sealed where it lies in the read buffer, unless it spans reads (then it is
/// gathered once); a remote message's payload stays in the buffer it was decrypted into, its
/// v1 checksum is hashed once, and both are lent to the caller (``withBytesForClient(_:)``),
/// which copies them into its socket buffer.
public struct ProxyTranslator: Sendable {
    public let magic: NetworkMagic
    private var clientFramer: V1StreamFramer
    /// The v2 side; nil when the remote speaks v1.
    private var remote: BIP324Transport?
    /// The remote's v1 framing on the fallback path.
    private var remoteV1: V1StreamFramer?
    private var toRemote: [UInt8] = []
    /// v1 headers and payloads for the client, in order.
    private var toClient: [ClientPiece] = []
    /// Client bytes kept until the remote's first byte, to replay over v1 if the remote turns
    /// out not to speak v2; nil once it spoke (or the copy grew past ``maxReplay``).
    public private(set) var replayableClientBytes: [UInt8]? = []
    /// True once any byte came from the remote.
    public private(set) var remoteSpoke = false
    /// Client messages dropped for a bad checksum or command (Core's rule), for the log.
    public var droppedClientMessages: Int { clientFramer.dropped }
    /// v2 packets with unallocated short ids, dropped.
    public private(set) var droppedUnknownTypes = 0

    /// Bytes on their way to the client: framing made here, or a decrypted payload where it lies.
    private enum ClientPiece: Sendable {
        case bytes([UInt8])
        case payload(BIP324Payload)

        var count: Int {
            switch self {
            case .bytes(let bytes): bytes.count
            case .payload(let payload): payload.count
            }
        }
    }

    /// How many client bytes are kept for a v1 replay.
    public static let maxReplay = 8 << 20

    /// A v1 client over a v2 remote.
    /// - Parameters:
    ///   - magic: the network's message start.
    ///   - remote: a fresh BIP324 initiator transport (its key is already queued).
    public init(magic: NetworkMagic, remote: BIP324Transport) {
        self.magic = magic
        self.clientFramer = V1StreamFramer(magic: magic)
        self.remote = remote
    }

    /// A v1 client over a v1 remote (the fallback path).
    /// - Parameter magic: the network's message start.
    public init(v1Magic magic: NetworkMagic) {
        self.magic = magic
        self.clientFramer = V1StreamFramer(magic: magic)
        self.remoteV1 = V1StreamFramer(magic: magic)
        self.replayableClientBytes = nil
    }

    /// True when the remote side is BIP324 v2.
    public var isV2: Bool { remote != nil }

    /// Feeds bytes from the client.
    /// - Returns: the messages they completed, in order.
    /// - Throws: ``ProxyError`` when the client's stream cannot continue.
    public mutating func fromClient(_ bytes: [UInt8]) throws(ProxyError) -> [ProxyTraffic] {
        try bytes.withUnsafeBytes { raw in Self.carry { () throws(ProxyError) in try fromClient(raw) } }.get()
    }

    /// Feeds bytes from the client, lent where they were read (they must outlive the call only).
    /// - Returns: the messages they completed, in order.
    /// - Throws: ``ProxyError`` when the client's stream cannot continue.
    public mutating func fromClient(_ bytes: UnsafeRawBufferPointer) throws(ProxyError) -> [ProxyTraffic] {
        if replayableClientBytes != nil {
            if (replayableClientBytes?.count ?? 0) + bytes.count > Self.maxReplay {
                replayableClientBytes = nil
            } else {
                replayableClientBytes?.append(contentsOf: Self.typed(bytes))
            }
        }
        var out: [ProxyTraffic] = []
        // Moved out (unique, so its buffer is not copied) while frames it lends are handled.
        var framer = clientFramer
        clientFramer = V1StreamFramer(magic: magic)
        defer { clientFramer = framer }
        var remoteFailed = false
        do throws(ProxyError) {
            try framer.feed(bytes) { (frame) throws(ProxyError) in
                out.append(ProxyTraffic(direction: .toRemote, command: frame.command.name, payloadBytes: frame.payload.count))
                if remote != nil {
                    do throws(BIP324Error) {
                        try remote?.send(command: frame.command.name, payload: frame.payload)
                    } catch {
                        remoteFailed = true
                        throw ProxyError("remote: \(error)")
                    }
                } else {
                    // The fallback path: the checked frame goes on as it came.
                    toRemote.append(contentsOf: Self.typed(frame.bytes))
                }
            }
        } catch {
            throw remoteFailed ? error : ProxyError("client: \(error)")
        }
        return out
    }

    /// Feeds bytes from the remote peer.
    /// - Returns: the messages they completed, in order.
    /// - Throws: ``ProxyError`` when the remote's stream cannot continue (failed authentication,
    ///   an oversized packet, a v1 framing error).
    public mutating func fromRemote(_ bytes: [UInt8]) throws(ProxyError) -> [ProxyTraffic] {
        try bytes.withUnsafeBytes { raw in Self.carry { () throws(ProxyError) in try fromRemote(raw) } }.get()
    }

    /// Feeds bytes from the remote peer, lent where they were read (they must outlive the call only).
    /// - Returns: the messages they completed, in order.
    /// - Throws: ``ProxyError`` when the remote's stream cannot continue.
    public mutating func fromRemote(_ bytes: UnsafeRawBufferPointer) throws(ProxyError) -> [ProxyTraffic] {
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
                    let payload = message.payloadBytes
                    let header = payload.withUnsafeBytes { V1StreamFramer.header(magic: magic, command: command, payload: $0) }
                    toClient.append(.bytes(header))
                    if !payload.isEmpty { toClient.append(.payload(payload)) }
                    out.append(ProxyTraffic(direction: .toClient, command: message.command, payloadBytes: payload.count))
                }
            }
            return out
        }
        guard var framer = remoteV1 else { return out }
        remoteV1 = nil
        defer { remoteV1 = framer }
        do throws(ProxyError) {
            try framer.feed(bytes) { (frame) throws(ProxyError) in
                toClient.append(.bytes([UInt8](frame.bytes)))
                out.append(ProxyTraffic(direction: .toClient, command: frame.command.name, payloadBytes: frame.payload.count))
            }
        } catch {
            throw ProxyError("remote: \(error)")
        }
        return out
    }

    /// Bytes waiting for the client.
    public var pendingClientByteCount: Int { toClient.reduce(0) { $0 + $1.count } }

    /// Bytes waiting for the remote peer.
    public mutating func takeBytesForRemote() -> [UInt8] {
        if remote != nil { return remote?.takeBytesToSend() ?? [] }
        defer { toRemote = [] }
        return toRemote
    }

    /// Bytes waiting for the client.
    public mutating func takeBytesForClient() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(pendingClientByteCount)
        withBytesForClient { out.append(contentsOf: Self.typed($0)) }
        return out
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

    /// Lends the bytes waiting for the client to `write`, piece by piece in order (a v1 header,
    /// then its payload where it was decrypted), and forgets them. No piece may escape `write`.
    public mutating func withBytesForClient(_ write: (UnsafeRawBufferPointer) -> Void) {
        for piece in toClient {
            switch piece {
            case .bytes(let bytes): bytes.withUnsafeBytes { write($0) }
            case .payload(let payload): payload.withUnsafeBytes { write($0) }
            }
        }
        toClient.removeAll(keepingCapacity: true)
    }

    /// Raw bytes as typed ones, so that appending them is one memcpy.
    static func typed(_ raw: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count)
    }

    /// `body`'s typed error as a Result: `withUnsafeBytes` only rethrows untyped errors.
    static func carry<T>(_ body: () throws(ProxyError) -> T) -> Result<T, ProxyError> {
        do throws(ProxyError) {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }
}
