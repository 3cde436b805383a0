/// Merkle roots as Bitcoin Core computes them (src/consensus/merkle.cpp `ComputeMerkleRoot`).
public enum MerkleRoot {
    /// The root of a list of leaf hashes, and whether the list is "mutated".
    ///
    /// Each level pairs neighbours and an odd last hash is paired with itself. That makes a list
    /// ending in a duplicated pair hash to the same root as the list without it
    /// (CVE-2012-2459), so, as Core does, any level where a pair at positions (2k, 2k+1) holds
    /// two equal hashes marks the result as mutated. An empty list has root zero.
    /// - Parameter leaves: txids (or wtxids) in block order, internal byte order.
    /// - Returns: the root and the mutated flag.
    public static func compute(_ leaves: [Hash256]) -> (root: Hash256, mutated: Bool) {
        guard !leaves.isEmpty else { return (.zero, false) }
        var level = leaves
        var mutated = false
        var buffer = [UInt8](repeating: 0, count: 64)
        while level.count > 1 {
            var pos = 0
            while pos + 1 < level.count {
                if level[pos] == level[pos + 1] { mutated = true }
                pos += 2
            }
            if level.count & 1 == 1 { level.append(level[level.count - 1]) }
            var next: [Hash256] = []
            next.reserveCapacity(level.count / 2)
            var i = 0
            while i < level.count {
                write(level[i], into: &buffer, at: 0)
                write(level[i + 1], into: &buffer, at: 32)
                next.append(Hash256.sha256d(of: buffer))
                i += 2
            }
            level = next
        }
        return (level[0], mutated)
    }

    private static func write(_ h: Hash256, into b: inout [UInt8], at offset: Int) {
        let words = [h.words.0, h.words.1, h.words.2, h.words.3]
        for (w, word) in words.enumerated() {
            for k in 0..<8 { b[offset + 8 * w + k] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(k))) }
        }
    }
}
