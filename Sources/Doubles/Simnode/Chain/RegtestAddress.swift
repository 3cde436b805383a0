import BitcoinPrimitives

/// Regtest addresses to output scripts: bech32 / bech32m "bcrt1..." (BIP173, BIP350) and
/// base58check with regtest prefixes 111 (P2PKH) and 196 (P2SH) (chainparams.cpp).
public enum RegtestAddress {
    /// The scriptPubKey an address pays to.
    /// - Parameter address: a regtest address.
    /// - Returns: the output script, or nil when the address is not a valid regtest address.
    public static func scriptPubKey(_ address: String) -> [UInt8]? {
        if address.lowercased().hasPrefix("bcrt1") { return segwit(address) }
        return base58(address)
    }

    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l")

    /// BIP173's checksum polymod (bech32 and bech32m differ only in the constant it is XORed with).
    static func polymod(_ values: [UInt8]) -> UInt32 {
        let gen: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ff_ffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= gen[i] }
        }
        return chk
    }

    private static func segwit(_ address: String) -> [UInt8]? {
        guard address.count <= 90, address == address.lowercased() || address == address.uppercased() else { return nil }
        let lower = Array(address.lowercased())
        guard let sep = lower.lastIndex(of: "1"), sep == 4, lower.count - sep - 1 >= 7 else { return nil }
        var data: [UInt8] = []
        for c in lower[(sep + 1)...] {
            guard let v = charset.firstIndex(of: c) else { return nil }
            data.append(UInt8(v))
        }
        let hrp = Array("bcrt".utf8)
        let expanded = hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 } + data
        let check = polymod(expanded)
        guard let version = data.first else { return nil }
        // BIP350: witness v0 uses bech32 (constant 1), v1+ bech32m (0x2bc830a3).
        guard check == (version == 0 ? 1 : 0x2bc8_30a3) else { return nil }
        // Regroup 5-bit values to bytes.
        var acc: UInt32 = 0, bits = 0
        var program: [UInt8] = []
        for v in data.dropFirst().dropLast(6) {
            acc = acc << 5 | UInt32(v)
            bits += 5
            if bits >= 8 { bits -= 8; program.append(UInt8((acc >> UInt32(bits)) & 0xff)) }
        }
        guard bits < 5, acc & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        guard version <= 16, (2...40).contains(program.count) else { return nil }
        if version == 0 && program.count != 20 && program.count != 32 { return nil }
        let op: UInt8 = version == 0 ? 0x00 : 0x50 + version
        return [op, UInt8(program.count)] + program
    }

    private static func base58(_ address: String) -> [UInt8]? {
        let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
        guard address.count <= 50 else { return nil }
        var bytes: [UInt8] = []  // big-endian magnitude
        for c in address {
            guard let d = alphabet.firstIndex(of: c) else { return nil }
            var carry = d
            for i in stride(from: bytes.count - 1, through: 0, by: -1) {
                carry += Int(bytes[i]) * 58
                bytes[i] = UInt8(carry & 0xff)
                carry >>= 8
            }
            while carry > 0 { bytes.insert(UInt8(carry & 0xff), at: 0); carry >>= 8 }
        }
        let zeros = address.prefix { $0 == "1" }.count
        bytes = [UInt8](repeating: 0, count: zeros) + bytes
        guard bytes.count == 25 else { return nil }
        let payload = Array(bytes[0..<21])
        guard Array(Hashes.sha256d(payload).prefix(4)) == Array(bytes[21...]) else { return nil }
        let hash = Array(payload[1...])
        switch payload[0] {
        case 111: return [0x76, 0xa9, 0x14] + hash + [0x88, 0xac]
        case 196: return [0xa9, 0x14] + hash + [0x87]
        default: return nil
        }
    }
}
