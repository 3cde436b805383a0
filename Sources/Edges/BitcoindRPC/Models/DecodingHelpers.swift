import BitcoinPrimitives

extension KeyedDecodingContainer {
    /// A block hash in display hex (as RPC prints it).
    func decodeBlockHash(_ key: Key) throws -> BlockHash {
        let s = try decode(String.self, forKey: key)
        do {
            return try BlockHash(displayHex: s)
        } catch {
            throw Swift.DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not a 64-digit hex hash: \(s.prefix(80))")
        }
    }

    func decodeBlockHashIfPresent(_ key: Key) throws -> BlockHash? {
        guard let s = try decodeIfPresent(String.self, forKey: key) else { return nil }
        do {
            return try BlockHash(displayHex: s)
        } catch {
            throw Swift.DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not a 64-digit hex hash: \(s.prefix(80))")
        }
    }

    /// A txid, merkle root or other 32-byte hash in display hex.
    func decodeHash(_ key: Key) throws -> Hash256 { try decodeBlockHash(key).hash }

    /// A hex string of at most 16 digits as an integer (e.g. "bits": "207fffff").
    func decodeHexInteger<T: FixedWidthInteger>(_ key: Key, as: T.Type = T.self) throws -> T {
        let s = try decode(String.self, forKey: key)
        guard s.count <= 16, let v = T(s, radix: 16) else {
            throw Swift.DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not hex: \(s.prefix(80))")
        }
        return v
    }
}

/// A hash in display hex as a standalone JSON string (getbestblockhash, getblockhash,
/// sendrawtransaction, getrawmempool entries).
struct DisplayHash: Decodable, Sendable {
    let hash: Hash256
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        do {
            hash = try Hash256(displayHex: s)
        } catch {
            throw Swift.DecodingError.dataCorruptedError(in: c, debugDescription: "not a 64-digit hex hash: \(s.prefix(80))")
        }
    }
}

/// A hex string as bytes (getblock verbosity 0, getblockheader verbose=false).
struct HexBytes: Decodable, Sendable {
    let bytes: [UInt8]
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        do {
            bytes = try Hex.decode(s)
        } catch {
            throw Swift.DecodingError.dataCorruptedError(in: c, debugDescription: "not hex")
        }
    }
}

/// `null` or a string (submitblock's BIP22 result).
struct NullableString: Decodable, Sendable {
    let value: String?
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        value = c.decodeNil() ? nil : try c.decode(String.self)
    }
}
