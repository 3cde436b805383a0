/// SHA3-256 (FIPS 202): Keccak-f[1600] with rate 136 bytes and the SHA-3 domain byte 0x06.
/// swift-crypto 3.12 has no SHA-3; Tor v3 onion names (rend-spec-v3 section 6) need it for their
/// two-byte checksum, and nothing else in altnet does, so this is small rather than fast.
/// Checked against FIPS 202 sample values in the tests.
public enum SHA3_256 {
    /// Rate in bytes (1600 - 2 * 256 bits).
    private static let rate = 136

    /// Round constants of the iota step (FIPS 202 section 3.2.5, computed there by `rc(t)`).
    private static let roundConstants: [UInt64] = [
        0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808a, 0x8000_0000_8000_8000,
        0x0000_0000_0000_808b, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
        0x0000_0000_0000_008a, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000a,
        0x0000_0000_8000_808b, 0x8000_0000_0000_008b, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
        0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800a, 0x8000_0000_8000_000a,
        0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
    ]

    /// The 32-byte digest of `data`.
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        var state = [UInt64](repeating: 0, count: 25)
        var padded = data
        padded.append(0x06)
        while padded.count % rate != 0 { padded.append(0) }
        padded[padded.count - 1] |= 0x80
        for blockStart in stride(from: 0, to: padded.count, by: rate) {
            for lane in 0..<(rate / 8) {
                var v: UInt64 = 0
                for b in 0..<8 { v |= UInt64(padded[blockStart + lane * 8 + b]) << (8 * b) }
                state[lane] ^= v
            }
            permute(&state)
        }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for lane in 0..<4 {
            for b in 0..<8 { out.append(UInt8(truncatingIfNeeded: state[lane] >> (8 * b))) }
        }
        return out
    }

    /// Keccak-f[1600]: 24 rounds of theta, rho, pi, chi, iota over lanes `state[x + 5 * y]`.
    private static func permute(_ a: inout [UInt64]) {
        let constants = roundConstants
        for round in 0..<24 {
            // theta
            var c = [UInt64](repeating: 0, count: 5)
            for x in 0..<5 { c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] }
            for x in 0..<5 {
                let d = c[(x + 4) % 5] ^ rotate(c[(x + 1) % 5], 1)
                for y in 0..<5 { a[x + 5 * y] ^= d }
            }
            // rho and pi: walk (x, y) -> (y, 2x + 3y) from (1, 0), offsets (t+1)(t+2)/2.
            var b = [UInt64](repeating: 0, count: 25)
            b[0] = a[0]
            var x = 1, y = 0
            for t in 0..<24 {
                let nx = y, ny = (2 * x + 3 * y) % 5
                b[nx + 5 * ny] = rotate(a[x + 5 * y], ((t + 1) * (t + 2) / 2) % 64)
                x = nx
                y = ny
            }
            // chi
            for y in 0..<5 {
                for x in 0..<5 {
                    a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y])
                }
            }
            // iota
            a[0] ^= constants[round]
        }
    }

    @inline(__always)
    private static func rotate(_ v: UInt64, _ n: Int) -> UInt64 {
        n == 0 ? v : (v << UInt64(n)) | (v >> UInt64(64 - n))
    }
}
