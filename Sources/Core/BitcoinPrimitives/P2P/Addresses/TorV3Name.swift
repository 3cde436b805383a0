/// Tor v3 onion service names (Tor rend-spec-v3 section 6, "Encoding onion addresses"):
/// `base32(PUBKEY || CHECKSUM || VERSION) + ".onion"`, 56 characters before `.onion`, where
/// `CHECKSUM = SHA3-256(".onion checksum" || PUBKEY || VERSION)[:2]` and `VERSION = 3`.
/// BIP155 carries only the 32-byte ed25519 PUBKEY (network id 4).
public enum TorV3Name {
    /// The version byte of v3 names.
    public static let version: UInt8 = 3

    /// The name for an ed25519 public key, e.g. `pg6m...cryd.onion`.
    /// - Parameter publicKey: 32 bytes (the BIP155 address).
    public static func name(publicKey: [UInt8]) -> String {
        Base32.encode(publicKey + checksum(publicKey) + [version]) + ".onion"
    }

    /// The public key a v3 name stands for, or nil when it is not a valid v3 name (wrong length,
    /// not base32, wrong checksum or version). Case-insensitive; `.onion` must be there.
    public static func publicKey(name: String) -> [UInt8]? {
        let lower = name.lowercased()
        guard lower.hasSuffix(".onion") else { return nil }
        let label = String(lower.dropLast(".onion".count))
        guard label.utf8.count == 56, let raw = Base32.decode(label), raw.count == 35 else { return nil }
        let key = Array(raw[0..<32])
        guard raw[34] == version, Array(raw[32..<34]) == checksum(key) else { return nil }
        return key
    }

    private static func checksum(_ key: [UInt8]) -> [UInt8] {
        Array(SHA3_256.hash(Array(".onion checksum".utf8) + key + [version]).prefix(2))
    }
}
