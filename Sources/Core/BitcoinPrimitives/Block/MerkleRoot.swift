import Crypto

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
                next.append(parent(level[i], level[i + 1]))
                i += 2
            }
            level = next
        }
        return (level[0], mutated)
    }

    /// sha256d(left || right) over the 64 bytes in internal order, without heap allocation.
    /// - Returns: the inner node.
    public static func parent(_ left: Hash256, _ right: Hash256) -> Hash256 {
        // Words are stored little endian; the wire bytes are the little-endian bytes of each word.
        var words = (
            left.words.0.littleEndian, left.words.1.littleEndian, left.words.2.littleEndian, left.words.3.littleEndian,
            right.words.0.littleEndian, right.words.1.littleEndian, right.words.2.littleEndian, right.words.3.littleEndian
        )
        let first = withUnsafeBytes(of: &words) { SHA256.hash(data: $0) }
        let second = first.withUnsafeBytes { SHA256.hash(data: $0) }
        return second.withUnsafeBytes { raw in
            Hash256(words: (
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))))
        }
    }
}
