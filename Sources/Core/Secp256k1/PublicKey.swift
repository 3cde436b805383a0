import CSecp256k1

/// A point on secp256k1 (never infinity), parsed and checked by libsecp256k1.
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    let raw: secp256k1_pubkey

    init(raw: secp256k1_pubkey) { self.raw = raw }

    /// Parses a 33-byte compressed or 65-byte uncompressed SEC1 encoding.
    /// - Throws: ``Secp256k1Error/invalidPublicKey`` if the bytes are not a curve point.
    public init<C: Collection>(serialized bytes: C) throws(Secp256k1Error) where C.Element == UInt8 {
        let b = Array(bytes)
        guard b.count == 33 || b.count == 65 else { throw .invalidPublicKey }
        var pk = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(Context.pointer, &pk, b, b.count) == 1 else { throw .invalidPublicKey }
        raw = pk
    }

    /// The point with this x coordinate and even y (`02 || x`).
    /// - Throws: ``Secp256k1Error/invalidPublicKey`` if x is not on the curve.
    public init(evenYWithX x: [UInt8]) throws(Secp256k1Error) {
        guard x.count == 32 else { throw .invalidPublicKey }
        try self.init(serialized: [0x02] + x)
    }

    /// SEC1 serialisation: 33 bytes compressed (default) or 65 uncompressed.
    public func serialized(compressed: Bool = true) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: compressed ? 33 : 65)
        var len = out.count
        var pk = raw
        _ = secp256k1_ec_pubkey_serialize(
            Context.pointer, &out, &len, &pk,
            UInt32(compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED))
        return out
    }

    /// The 32-byte x coordinate.
    public var x: [UInt8] { Array(serialized(compressed: false)[1..<33]) }

    /// This point plus `tweak`·G.
    public func tweakedAdd(_ tweak: [UInt8]) throws(Secp256k1Error) -> PublicKey {
        guard tweak.count == 32 else { throw .invalidTweak }
        var pk = raw
        guard secp256k1_ec_pubkey_tweak_add(Context.pointer, &pk, tweak) == 1 else { throw .invalidTweak }
        return PublicKey(raw: pk)
    }

    /// This point times `tweak`.
    public func tweakedMultiply(_ tweak: [UInt8]) throws(Secp256k1Error) -> PublicKey {
        guard tweak.count == 32 else { throw .invalidTweak }
        var pk = raw
        guard secp256k1_ec_pubkey_tweak_mul(Context.pointer, &pk, tweak) == 1 else { throw .invalidTweak }
        return PublicKey(raw: pk)
    }

    public static func == (a: PublicKey, b: PublicKey) -> Bool { a.serialized() == b.serialized() }
    public func hash(into h: inout Hasher) { h.combine(serialized()) }
    public var description: String {
        serialized().map { String($0, radix: 16).leftPad2 }.joined()
    }
}

extension String {
    fileprivate var leftPad2: String { count == 1 ? "0" + self : self }
}
