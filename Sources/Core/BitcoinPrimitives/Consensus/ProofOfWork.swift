/// Proof-of-work checks and work per header, as Bitcoin Core's `CheckProofOfWork` and
/// `GetBlockProof` (src/pow.cpp, src/chain.cpp).
public enum ProofOfWork {
    /// Why an nBits value is not a usable target.
    public enum TargetError: Error, Equatable, Sendable, CustomStringConvertible {
        /// The sign bit is set with a non-zero mantissa.
        case negative
        /// The target is zero.
        case zero
        /// The mantissa does not fit in 256 bits.
        case overflow
        /// The target is easier than the network's pow limit.
        case aboveLimit

        public var description: String {
            switch self {
            case .negative: return "nBits is negative"
            case .zero: return "nBits encodes a zero target"
            case .overflow: return "nBits overflows 256 bits"
            case .aboveLimit: return "nBits target is above the network's pow limit"
            }
        }
    }

    /// The target nBits encodes, checked as Core's `DeriveTarget`.
    /// - Parameters:
    ///   - bits: the compact target.
    ///   - powLimit: the network's easiest allowed target.
    /// - Returns: the target.
    /// - Throws: ``TargetError``.
    @inlinable
    public static func target(bits: UInt32, powLimit: UInt256) throws(TargetError) -> UInt256 {
        let d = CompactTarget.decode(bits)
        if d.isNegative { throw .negative }
        if d.isOverflow { throw .overflow }
        if d.value.isZero { throw .zero }
        if powLimit < d.value { throw .aboveLimit }
        return d.value
    }

    /// Whether a block hash meets a target (hash, read as a little-endian number, <= target).
    @inlinable
    public static func meets(_ hash: BlockHash, target: UInt256) -> Bool {
        !(target < UInt256(hash.hash))
    }

    /// Work a header with these nBits proves: 2^256 / (target + 1), computed as
    /// `~target / (target + 1) + 1` since 2^256 does not fit. Zero for invalid nBits (as Core).
    /// - Parameter bits: the compact target.
    /// - Returns: the expected number of hashes to find such a header.
    public static func work(bits: UInt32) -> UInt256 {
        let d = CompactTarget.decode(bits)
        if d.isNegative || d.isOverflow || d.value.isZero { return .zero }
        return work(target: d.value)
    }

    /// Work for a target: 2^256 / (target + 1).
    public static func work(target: UInt256) -> UInt256 {
        let (plusOne, overflow) = target.addingReportingOverflow(UInt256(1))
        // target = 2^256 - 1: 2^256 / 2^256 = 1.
        if overflow { return UInt256(1) }
        let q = (~target).dividedReportingZero(by: plusOne) ?? .zero
        return q &+ UInt256(1)
    }
}
