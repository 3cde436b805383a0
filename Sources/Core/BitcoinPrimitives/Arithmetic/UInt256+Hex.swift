/// Big-endian hex for ``UInt256``, the form Core's RPC prints chain work and targets in.
extension UInt256 {
    /// From up to 64 hex digits, most significant first (e.g. `getblockheader`'s `chainwork`).
    /// - Throws: ``Hex/DecodingError`` for bad hex, ``DecodingError`` if longer than 32 bytes.
    public init(bigEndianHex: some StringProtocol) throws {
        var text = String(bigEndianHex)
        if text.utf8.count % 2 == 1 { text = "0" + text }
        let bytes = try Hex.decode(text)
        try self.init(bigEndianBytes: bytes)
    }

    /// From up to 32 bytes, most significant first.
    /// - Throws: ``DecodingError`` if longer than 32 bytes.
    public init(bigEndianBytes bytes: [UInt8]) throws(DecodingError) {
        guard bytes.count <= 32 else {
            throw DecodingError(.tooLarge(field: "UInt256 bytes", value: UInt64(bytes.count), limit: 32), at: 0)
        }
        var v = UInt256.zero
        for b in bytes { v = (v << 8); v.w0 |= UInt64(b) }
        self = v
    }

    /// 32 bytes, most significant first.
    public var bigEndianBytes: [UInt8] {
        var w = ByteWriter(capacity: 32)
        w.writeBE(w3); w.writeBE(w2); w.writeBE(w1); w.writeBE(w0)
        return w.bytes
    }

    /// 64 lowercase hex digits, most significant first.
    public var bigEndianHex: String { Hex.encode(bigEndianBytes) }
}
