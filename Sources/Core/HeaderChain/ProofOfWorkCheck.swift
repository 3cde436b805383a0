import BitcoinPrimitives

/// Bitcoin Core's `CheckProofOfWork` (src/pow.cpp) for a run of headers, as ``HeaderChain`` and
/// ``HeadersPresync`` both apply it: nBits must decode to a valid target within powLimit and the
/// hash must meet it. nBits repeat for a whole retarget period, so the last one's target and work
/// are kept.
struct ProofOfWorkCheck: Sendable {
    let powLimit: UInt256
    /// The last valid nBits seen; 0 never decodes to a valid target, so it never hits.
    private var bits: UInt32 = 0
    private var target: UInt256 = .zero
    private var work: UInt256 = .zero

    init(powLimit: UInt256) {
        self.powLimit = powLimit
    }

    /// Checks a header's proof of work.
    /// - Parameters:
    ///   - bits: the header's nBits.
    ///   - hash: the header's hash.
    /// - Returns: the work the header proves (``ProofOfWork/work(target:)``).
    /// - Throws: ``HeaderRejection/Rule/badTarget(_:)`` or ``HeaderRejection/Rule/highHash``.
    @inline(__always)
    mutating func check(bits: UInt32, hash: BlockHash) throws(HeaderRejection.Rule) -> UInt256 {
        if bits != self.bits {
            let target: UInt256
            do { target = try ProofOfWork.target(bits: bits, powLimit: powLimit) } catch { throw .badTarget(error) }
            self.bits = bits
            self.target = target
            work = ProofOfWork.work(target: target)
        }
        guard ProofOfWork.meets(hash, target: target) else { throw .highHash }
        return work
    }
}
