import BitcoinPrimitives

extension VaryingDifficultyChain {
    /// Mines headers one after another on ``VaryingDifficultyChain/params``, each with the nBits
    /// the exact difficulty rules require. It keeps only the last header and its period's first
    /// (what a retarget reads), so it can run for any length in constant memory.
    public struct Miner: Sendable {
        /// How far apart the timestamps are.
        public enum Schedule: Sendable {
            /// A six-period cycle around on time: 640, 512, 560, 640, 800 and 732 s apart (Core
            /// measures 15 gaps per 16-header period, so 640 s is on time), taking the target
            /// from T to 0.8 T, 0.7 T, 0.7 T, 0.875 T and back to about T.
            case honest
            /// 2,560 s apart: each retarget eases 4x, down to powLimit.
            case lowWork
        }

        /// The last header mined (or the one mining started after).
        public private(set) var last: BlockHeader
        /// Its height.
        public private(set) var height: Int
        private var periodFirst: ChainEntry
        private let schedule: Schedule
        /// Put in the merkle root, so forks from the same point differ.
        private let tag: UInt64

        /// - Parameters:
        ///   - last: the header to build on.
        ///   - height: its height.
        ///   - periodFirst: the first header of its retarget period.
        ///   - schedule: the timestamps' pattern.
        ///   - tag: distinguishes the headers of different runs.
        init(after last: BlockHeader, height: Int, periodFirst: BlockHeader, schedule: Schedule, tag: UInt64 = 0) {
            self.last = last
            self.height = height
            self.periodFirst = ChainEntry(
                height: height - height % VaryingDifficultyChain.retargetInterval, time: periodFirst.time,
                bits: periodFirst.bits)
            self.schedule = schedule
            self.tag = tag
        }

        /// Mines the next `count` headers.
        public mutating func next(_ count: Int) -> [BlockHeader] {
            var result: [BlockHeader] = []
            result.reserveCapacity(count)
            for _ in 0..<count { result.append(next()) }
            return result
        }

        /// Mines the next header.
        public mutating func next() -> BlockHeader {
            let params = VaryingDifficultyChain.params
            let interval = VaryingDifficultyChain.retargetInterval
            let newHeight = height + 1
            let time = last.time + spacing(forHeight: newHeight)
            let lastEntry = ChainEntry(height: height, time: last.time, bits: last.bits)
            let first = periodFirst
            // The rules ask only for the period's first header, which the miner keeps; a nil
            // would mean a bug here, and falls back to the last nBits (HeaderChain would refuse).
            let bits = (try? DifficultyRules.nextBits(params: params, last: lastEntry, newTime: time) { h in
                h == first.height ? first : nil
            }) ?? last.bits
            var header = BlockHeader(
                version: 0x2000_0000, previousBlockHash: last.hash,
                merkleRoot: Hash256(words: (tag, UInt64(newHeight), 0, 0)), time: time, bits: bits, nonce: 0)
            Self.mine(&header)
            last = header
            height = newHeight
            if newHeight % interval == 0 { periodFirst = ChainEntry(height: newHeight, time: time, bits: bits) }
            return header
        }

        private func spacing(forHeight height: Int) -> UInt32 {
            switch schedule {
            case .lowWork:
                return VaryingDifficultyChain.lowWorkSpacing
            case .honest:
                switch (height / VaryingDifficultyChain.retargetInterval) % 6 {
                case 1: return 512
                case 2: return 560
                case 4: return 800
                case 5: return 732
                default: return 640
                }
            }
        }

        /// Increments the nonce until the hash meets the header's own target.
        static func mine(_ header: inout BlockHeader) {
            let target = CompactTarget.decode(header.bits).value
            while !ProofOfWork.meets(header.hash, target: target) { header.nonce &+= 1 }
        }
    }
}
