import BitcoinPrimitives
import Foundation

/// Output descriptors as `InferDescriptor` gives them without a signing provider
/// (src/script/descriptor.cpp), with the BIP380 checksum, and regtest addresses.
extension ScriptDescription {
    static func descriptor(_ script: [UInt8], type: String, info: Info) -> String {
        switch type {
        case "pubkey": return "pk(\(info.keys[0].hex))"
        case "multisig": return "multi(\(info.required)," + info.keys.map(\.hex).joined(separator: ",") + ")"
        case "witness_v1_taproot": return "rawtr(\(info.hash.hex))"
        default:
            if let address = address(type: type, info: info) { return "addr(\(address))" }
            return "raw(\(script.hex))"
        }
    }

    /// The address of a script with one (ExtractDestination), regtest prefixes.
    static func address(type: String, info: Info) -> String? {
        switch type {
        case "pubkeyhash": return base58Check([111] + info.hash)
        case "scripthash": return base58Check([196] + info.hash)
        case "witness_v0_keyhash", "witness_v0_scripthash", "witness_v1_taproot", "witness_unknown":
            return segwitAddress(version: info.witnessVersion, program: info.hash)
        default: return nil
        }
    }

    // MARK: BIP380 checksum

    private static let inputCharset = Array(
        "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ")
    private static let checksumCharset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l")

    private static func descPolymod(_ c: UInt64, _ value: UInt64) -> UInt64 {
        let top = c >> 35
        var c = ((c & 0x7_ffff_ffff) << 5) ^ value
        let gen: [UInt64] = [0xf5_dee5_1989, 0xa9_fdca_3312, 0x1b_ab10_e32d, 0x37_06b1_677a, 0x64_4d62_6ffd]
        for i in 0..<5 where (top >> UInt64(i)) & 1 == 1 { c ^= gen[i] }
        return c
    }

    /// `desc` + "#" + its 8-character checksum (BIP380); the descriptor as is if it has a
    /// character outside the descriptor alphabet (cannot happen for the forms built here).
    static func withChecksum(_ desc: String) -> String {
        var c: UInt64 = 1
        var cls: UInt64 = 0
        var count = 0
        for ch in desc {
            guard let pos = inputCharset.firstIndex(of: ch) else { return desc }
            c = descPolymod(c, UInt64(pos & 31))
            cls = cls * 3 + UInt64(pos >> 5)
            count += 1
            if count == 3 {
                c = descPolymod(c, cls)
                cls = 0
                count = 0
            }
        }
        if count > 0 { c = descPolymod(c, cls) }
        for _ in 0..<8 { c = descPolymod(c, 0) }
        c ^= 1
        let sum = (0..<8).map { j in checksumCharset[Int((c >> (5 * (7 - UInt64(j)))) & 31)] }
        return desc + "#" + String(sum)
    }

    // MARK: Addresses (BIP173/BIP350 bech32(m), base58check)

    static func segwitAddress(version: Int, program: [UInt8]) -> String {
        let hrp = Array("bcrt".utf8)
        var data: [UInt8] = [UInt8(version)]
        var acc: UInt32 = 0, bits = 0
        for b in program {
            acc = acc << 8 | UInt32(b)
            bits += 8
            while bits >= 5 {
                bits -= 5
                data.append(UInt8((acc >> UInt32(bits)) & 31))
            }
        }
        if bits > 0 { data.append(UInt8((acc << UInt32(5 - bits)) & 31)) }
        let constant: UInt32 = version == 0 ? 1 : 0x2bc8_30a3
        let expanded = hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 } + data + [0, 0, 0, 0, 0, 0]
        let mod = RegtestAddress.polymod(expanded) ^ constant
        let check = (0..<6).map { UInt8((mod >> UInt32(5 * (5 - $0))) & 31) }
        return "bcrt1" + String((data + check).map { checksumCharset[Int($0)] })
    }

    static func base58Check(_ payload: [UInt8]) -> String {
        let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
        let bytes = payload + Hashes.sha256d(payload).prefix(4)
        var digits: [UInt8] = []  // base 58, least significant first
        for b in bytes {
            var carry = Int(b)
            for i in digits.indices {
                carry += Int(digits[i]) << 8
                digits[i] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        let zeros = bytes.prefix { $0 == 0 }.count
        return String(repeating: "1", count: zeros) + String(digits.reversed().map { alphabet[Int($0)] })
    }
}
