import BitcoinPrimitives

/// Why ``HeaderChain`` refused a batch: the rule, the offending header and where it was in the
/// batch. The whole batch is refused; nothing of it is stored.
public struct HeaderRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// The rule broken. Core's reject reason is in ``coreReason``.
    public enum Rule: Error, Equatable, Sendable {
        /// The hash is above the target nBits claims (`high-hash`).
        case highHash
        /// nBits is not a valid target for this network (`high-hash` in Core).
        case badTarget(ProofOfWork.TargetError)
        /// The previous header is unknown, or below the anchor (`prev-blk-not-found`).
        case doesNotConnect(previous: BlockHash)
        /// nBits differs from what the difficulty rules require (`bad-diffbits`).
        case badDifficultyBits(expected: UInt32, actual: UInt32)
        /// nBits no retarget could reach from the previous header's (``HeadersPresync``, which
        /// checks Core's `PermittedDifficultyTransition` rather than the exact nBits).
        case impermissibleDifficulty(previous: UInt32, actual: UInt32)
        /// Timestamp not after the median of the previous 11 (`time-too-old`).
        case timeTooOld(medianTimePast: UInt32)
        /// Timestamp more than two hours ahead of the clock (`time-too-new`).
        case timeTooNew(limit: Int64)
        /// BIP94: a period's first header more than 600 s before its parent (`time-timewarp-attack`).
        case timewarp(previousTime: UInt32)
        /// Version below what BIP34/66/65 require at this height (`bad-version`).
        case badVersion(minimum: Int32)
        /// A rule needs a header before the anchor that the anchor did not provide.
        case missingContext(DifficultyError)
        /// The source has reached its cap of stored headers.
        case sourceLimit(limit: Int)
        /// Storing the header would exceed the cap on branches.
        case forkLimit(limit: Int)
    }

    public let rule: Rule
    /// The offending header's hash.
    public let hash: BlockHash
    /// Its height, if it connects.
    public let height: Int?
    /// Its position in the batch.
    public let indexInBatch: Int

    /// Bitcoin Core's reject reason for the same failure, where there is one.
    public var coreReason: String {
        switch rule {
        case .highHash, .badTarget: return "high-hash"
        case .doesNotConnect: return "prev-blk-not-found"
        case .badDifficultyBits, .impermissibleDifficulty: return "bad-diffbits"
        case .timeTooOld: return "time-too-old"
        case .timeTooNew: return "time-too-new"
        case .timewarp: return "time-timewarp-attack"
        case .badVersion: return "bad-version"
        case .missingContext: return "missing-context"
        case .sourceLimit: return "source-limit"
        case .forkLimit: return "fork-limit"
        }
    }

    /// Whether the sender is to blame (invalid headers) rather than a local limit or context.
    public var isInvalidHeader: Bool {
        switch rule {
        case .missingContext, .sourceLimit, .forkLimit, .doesNotConnect: return false
        default: return true
        }
    }

    public var description: String {
        let at = height.map { " at height \($0)" } ?? ""
        let detail: String
        switch rule {
        case .highHash: detail = "hash above its target"
        case .badTarget(let e): detail = "\(e)"
        case .doesNotConnect(let p): detail = "previous header \(p) is not known"
        case .badDifficultyBits(let e, let a):
            detail = "nBits 0x\(String(a, radix: 16)), required 0x\(String(e, radix: 16))"
        case .impermissibleDifficulty(let p, let a):
            detail = "nBits 0x\(String(a, radix: 16)) cannot follow 0x\(String(p, radix: 16)) at this height"
        case .timeTooOld(let m): detail = "timestamp not after median-time-past \(m)"
        case .timeTooNew(let l): detail = "timestamp after the limit \(l)"
        case .timewarp(let p): detail = "period start more than 600 s before its parent's time \(p)"
        case .badVersion(let m): detail = "version below \(m)"
        case .missingContext(let e): detail = "\(e)"
        case .sourceLimit(let l): detail = "source reached its cap of \(l) headers"
        case .forkLimit(let l): detail = "cap of \(l) branches reached"
        }
        return "header \(hash)\(at) (#\(indexInBatch) in batch) rejected, \(coreReason): \(detail)"
    }
}
