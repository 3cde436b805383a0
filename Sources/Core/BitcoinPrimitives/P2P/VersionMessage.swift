/// The `version` message: the first message each side sends.
///
/// Layout (Bitcoin Core `PeerManagerImpl::ProcessMessage`, `NetMsgType::VERSION`):
/// version i32, services u64, timestamp i64, addr_recv (26), addr_from (26), nonce u64,
/// user agent (CompactSize-prefixed, at most 256 bytes), start height i32, relay (1 byte,
/// optional: BIP37 peers may omit it; Core reads any non-zero byte as true).
/// Bytes after the relay flag are ignored, as Core ignores them, so later protocol extensions
/// do not break the handshake.
public struct VersionMessage: Hashable, Sendable {
    public var version: Int32
    public var services: UInt64
    /// Sender's clock, seconds since the Unix epoch.
    public var timestamp: Int64
    public var receiver: NetworkAddress
    public var sender: NetworkAddress
    public var nonce: UInt64
    /// The user agent exactly as sent (BIP14 says `/Name:version/`, but bytes need not be UTF-8).
    public var userAgent: [UInt8]
    public var startHeight: Int32
    /// BIP37 relay flag; nil when the peer left it out.
    public var relay: Bool?

    public init(
        version: Int32, services: UInt64, timestamp: Int64, receiver: NetworkAddress, sender: NetworkAddress,
        nonce: UInt64, userAgent: [UInt8], startHeight: Int32, relay: Bool?
    ) {
        self.version = version
        self.services = services
        self.timestamp = timestamp
        self.receiver = receiver
        self.sender = sender
        self.nonce = nonce
        self.userAgent = userAgent
        self.startHeight = startHeight
        self.relay = relay
    }

    /// The user agent as text, with invalid UTF-8 replaced (for logs only).
    public var userAgentString: String { String(decoding: userAgent, as: UTF8.self) }

    /// - Throws: ``DecodingError`` when a field is missing or the user agent is over 256 bytes.
    public init(payload: ArraySlice<UInt8>) throws(DecodingError) {
        var r = ByteReader(payload)
        version = try r.readInt32LE()
        services = try r.readLE()
        timestamp = try r.readInt64LE()
        receiver = try NetworkAddress(from: &r)
        sender = try NetworkAddress(from: &r)
        nonce = try r.readLE()
        userAgent = Array(try r.readVarBytes("user agent", limit: P2PLimits.maxUserAgentLength))
        startHeight = try r.readInt32LE()
        relay = r.isAtEnd ? nil : try r.readUInt8() != 0
    }

    public func write(to w: inout ByteWriter) {
        w.writeLE(UInt32(bitPattern: version))
        w.writeLE(services)
        w.writeLE(UInt64(bitPattern: timestamp))
        receiver.write(to: &w)
        sender.write(to: &w)
        w.writeLE(nonce)
        w.writeVarBytes(userAgent)
        w.writeLE(UInt32(bitPattern: startHeight))
        if let relay { w.writeUInt8(relay ? 1 : 0) }
    }
}
