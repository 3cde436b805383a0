extension P2PMessage {
    /// Decodes a payload by command name. Commands without a codec here become ``unknown(command:payload:)``.
    ///
    /// Strictness: every payload must be consumed exactly, except `version`, where Core ignores
    /// bytes after the relay flag. Empty messages (verack, sendheaders, ...) must be empty.
    /// - Parameters:
    ///   - command: the command name from the frame.
    ///   - payload: the payload bytes (checksum already verified by the framing layer).
    /// - Returns: the message.
    /// - Throws: ``DecodingError`` for a malformed payload; counts above Core's limits fail on
    ///   the count itself, before anything is allocated.
    public static func decode(command: P2PCommand, payload: ArraySlice<UInt8>) throws(DecodingError) -> P2PMessage {
        switch command {
        case .version:
            return .version(try VersionMessage(payload: payload))
        case .verack:
            try expectEmpty(payload)
            return .verack
        case .ping:
            return .ping(nonce: try readUInt64Exactly(payload))
        case .pong:
            return .pong(nonce: try readUInt64Exactly(payload))
        case .getheaders:
            return .getheaders(try GetHeadersMessage(payload: payload))
        case .headers:
            return .headers(try decodeHeaders(payload))
        case .inv:
            return .inv(try Inventory.decodeList(payload))
        case .getdata:
            return .getdata(try Inventory.decodeList(payload))
        case .notfound:
            return .notfound(try Inventory.decodeList(payload))
        case .block:
            return .block(try Block(bytes: payload))
        case .tx:
            return .tx(try Transaction(bytes: payload))
        case .sendheaders:
            try expectEmpty(payload)
            return .sendheaders
        case .wtxidrelay:
            try expectEmpty(payload)
            return .wtxidrelay
        case .sendaddrv2:
            try expectEmpty(payload)
            return .sendaddrv2
        case .feefilter:
            return .feefilter(feeRate: Int64(bitPattern: try readUInt64Exactly(payload)))
        case .addr:
            return .addr(try AddressEntry.decodeV1List(payload))
        case .addrv2:
            return .addrv2(try AddressEntry.decodeV2List(payload))
        case .getaddr:
            try expectEmpty(payload)
            return .getaddr
        default:
            return .unknown(command: command, payload: Array(payload))
        }
    }

    /// Decodes a payload by command name. - Throws: ``DecodingError``.
    public static func decode(command: P2PCommand, payload: [UInt8]) throws(DecodingError) -> P2PMessage {
        try decode(command: command, payload: payload[...])
    }

    /// Decodes a v1 frame's payload. - Throws: ``DecodingError``.
    public init(frame: P2PFrame) throws(DecodingError) {
        self = try Self.decode(command: frame.command, payload: frame.payload[...])
    }

    /// The payload bytes (no framing).
    public func encodePayload() -> [UInt8] {
        var w = ByteWriter()
        switch self {
        case .version(let v): v.write(to: &w)
        case .verack, .sendheaders, .wtxidrelay, .sendaddrv2, .getaddr: break
        case .addr(let list): AddressEntry.encodeV1List(list, to: &w)
        case .addrv2(let list): AddressEntry.encodeV2List(list, to: &w)
        case .ping(let nonce), .pong(let nonce): w.writeLE(nonce)
        case .getheaders(let g): g.write(to: &w)
        case .headers(let headers):
            w.writeCompactSize(headers.count)
            for h in headers {
                h.write(to: &w)
                w.writeCompactSize(0)
            }
        case .inv(let list), .getdata(let list), .notfound(let list): Inventory.encodeList(list, to: &w)
        case .block(let b): b.write(to: &w)
        case .tx(let t): t.write(to: &w)
        case .feefilter(let rate): w.writeLE(UInt64(bitPattern: rate))
        case .unknown(_, let payload): w.writeBytes(payload)
        }
        return w.bytes
    }

    /// A frame carrying this message.
    public var frame: P2PFrame { P2PFrame(command: command, payload: encodePayload()) }

    private static func expectEmpty(_ payload: ArraySlice<UInt8>) throws(DecodingError) {
        try ByteReader(payload).expectEnd()
    }

    private static func readUInt64Exactly(_ payload: ArraySlice<UInt8>) throws(DecodingError) -> UInt64 {
        var r = ByteReader(payload)
        let v: UInt64 = try r.readLE()
        try r.expectEnd()
        return v
    }

    /// `headers`: CompactSize count (at most 2,000), then per header 80 bytes and a transaction
    /// count that must be 0 (Core reads and ignores it; a non-zero count here means the peer sent
    /// something other than headers, so altnet refuses it).
    private static func decodeHeaders(_ payload: ArraySlice<UInt8>) throws(DecodingError) -> [BlockHeader] {
        var r = ByteReader(payload)
        let n = try r.readCount("headers", limit: P2PLimits.maxHeaders, minElementSize: BlockHeader.size + 1)
        var out: [BlockHeader] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            out.append(try BlockHeader(from: &r))
            let at = r.offset
            let txCount = try r.readCompactSize()
            guard txCount == 0 else {
                throw DecodingError(.invalid("header followed by a transaction count of \(txCount), expected 0"), at: at)
            }
        }
        try r.expectEnd()
        return out
    }
}
