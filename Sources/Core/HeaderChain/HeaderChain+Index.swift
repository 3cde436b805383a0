import BitcoinPrimitives

extension HeaderChain {
    /// Hash-to-node index: open addressing with linear probing over 4-byte node indices.
    ///
    /// Header sync inserts one entry per header; a `Dictionary<BlockHash, Int32>` spends most of
    /// that on SipHash and on cache misses in a table of 36-byte entries. Here a slot is 4 bytes
    /// (the table stays in cache) and the bucket comes from the hash's own bits, mixed with two
    /// random odd multipliers chosen per chain, so cheap-PoW headers (testnets, regtest) cannot
    /// be ground to collide. Keys are compared in full through the node array.
    struct NodeIndex: Sendable {
        /// Node indices, -1 for empty.
        private var slots: [Int32]
        private var mask: Int
        private(set) var count = 0
        private let k0: UInt64
        private let k1: UInt64

        init(capacity: Int) {
            var size = 16
            while size < capacity * 2 { size <<= 1 }
            slots = [Int32](repeating: -1, count: size)
            mask = size - 1
            var random = SystemRandomNumberGenerator()
            k0 = random.next() | 1
            k1 = random.next() | 1
        }

        @inline(__always)
        private func bucket(_ hash: BlockHash) -> Int {
            let w = hash.hash.words
            var x = (w.0 &* k0) ^ (w.1 &* k1)
            x ^= x >> 32
            return Int(truncatingIfNeeded: x) & mask
        }

        /// The node holding `hash`.
        @inline(__always)
        func find(_ hash: BlockHash, in nodes: [Node]) -> Int32? {
            var i = bucket(hash)
            while true {
                let s = slots[i]
                if s < 0 { return nil }
                if nodes[Int(s)].hash == hash { return s }
                i = (i + 1) & mask
            }
        }

        /// Adds `node` (whose hash is `hash`; not already present).
        mutating func insert(_ hash: BlockHash, node: Int32, in nodes: [Node]) {
            if (count + 1) * 2 > slots.count { grow(in: nodes) }
            var i = bucket(hash)
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = node
            count += 1
        }

        /// Removes `hash` if present, shifting later entries of its probe run back.
        mutating func remove(_ hash: BlockHash, in nodes: [Node]) {
            var i = bucket(hash)
            while true {
                let s = slots[i]
                if s < 0 { return }
                if nodes[Int(s)].hash == hash { break }
                i = (i + 1) & mask
            }
            slots[i] = -1
            count -= 1
            var j = i
            while true {
                j = (j + 1) & mask
                let s = slots[j]
                if s < 0 { return }
                let home = bucket(nodes[Int(s)].hash)
                // Leave the entry if its home lies cyclically in (i, j].
                let stays = i <= j ? (i < home && home <= j) : (i < home || home <= j)
                if stays { continue }
                slots[i] = s
                slots[j] = -1
                i = j
            }
        }

        /// Makes room for `capacity` entries.
        mutating func reserve(_ capacity: Int, in nodes: [Node]) {
            while slots.count < capacity * 2 { grow(in: nodes) }
        }

        private mutating func grow(in nodes: [Node]) {
            let old = slots
            slots = [Int32](repeating: -1, count: old.count * 2)
            mask = slots.count - 1
            for s in old where s >= 0 {
                var i = bucket(nodes[Int(s)].hash)
                while slots[i] >= 0 { i = (i + 1) & mask }
                slots[i] = s
            }
        }
    }
}
