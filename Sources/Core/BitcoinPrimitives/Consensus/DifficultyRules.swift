/// What the difficulty and time rules need to know about one earlier header.
public struct ChainEntry: Equatable, Sendable {
    public var height: Int
    public var time: UInt32
    public var bits: UInt32
    /// Where the caller already knows it: the nBits of the nearest header at or before this one
    /// that is not a min-difficulty block (or is a period start or genesis), which is where the
    /// min-difficulty walk-back ends. Saves the walk; nil to let the rules walk.
    public var walkBackBits: UInt32?

    public init(height: Int, time: UInt32, bits: UInt32, walkBackBits: UInt32? = nil) {
        self.height = height
        self.time = time
        self.bits = bits
        self.walkBackBits = walkBackBits
    }
}

/// Why the required nBits could not be computed.
public enum DifficultyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The rule needs the header at this height, which the accessor does not know (a chain
    /// anchored above it without enough trusted ancestors).
    case missingAncestor(height: Int)

    public var description: String {
        switch self {
        case .missingAncestor(let h): return "the difficulty rule needs the header at height \(h), which is not known"
        }
    }
}

/// The nBits a header must carry, as Bitcoin Core's `GetNextWorkRequired` and
/// `CalculateNextWorkRequired` (src/pow.cpp): pure functions over the previous headers, reached
/// through an accessor.
public enum DifficultyRules {
    /// The nBits required of the header after `last`.
    ///
    /// - Retarget heights (multiples of 2016): ``retarget(params:periodFirst:last:)`` over the
    ///   period's first header, found 2015 headers back (Core's off-by-one window: the period's
    ///   first timestamp, not the previous period's last).
    /// - Otherwise `last.bits`, except where min-difficulty blocks are allowed (testnet3, testnet4,
    ///   regtest): a header more than 2 x 600 s after `last` may use powLimit; any other header
    ///   carries the nBits of the last block that is not a min-difficulty one, walking back to
    ///   the period start at most.
    ///
    /// - Parameters:
    ///   - params: the network.
    ///   - last: the parent of the new header.
    ///   - newTime: the new header's timestamp.
    ///   - ancestor: the header at a height (<= `last.height`) on `last`'s chain, or nil if unknown.
    /// - Returns: the required nBits.
    /// - Throws: ``DifficultyError/missingAncestor(height:)`` when the rule needs an unknown header.
    public static func nextBits(
        params: ChainParams, last: ChainEntry, newTime: UInt32, ancestor: (Int) -> ChainEntry?
    ) throws(DifficultyError) -> UInt32 {
        let interval = params.difficultyAdjustmentInterval
        if (last.height + 1) % interval != 0 {
            guard params.allowMinDifficultyBlocks else { return last.bits }
            let limitBits = params.powLimitBits
            if Int64(newTime) > Int64(last.time) + 2 * params.powTargetSpacing { return limitBits }
            if let known = last.walkBackBits { return known }
            var entry = last
            while entry.height > 0, entry.height % interval != 0, entry.bits == limitBits {
                guard let previous = ancestor(entry.height - 1) else {
                    throw .missingAncestor(height: entry.height - 1)
                }
                entry = previous
            }
            return entry.bits
        }
        let firstHeight = last.height - (interval - 1)
        guard let first = ancestor(firstHeight) else { throw .missingAncestor(height: firstHeight) }
        return retarget(params: params, periodFirst: first, last: last)
    }

    /// The 2016-block retarget: the old target times the period's actual duration (last time
    /// minus first time, clamped to [timespan / 4, timespan x 4]) over two weeks, at most powLimit.
    /// The old target is the last header's, or under BIP94 the period's first header's (which
    /// cannot be a min-difficulty block). The product wraps modulo 2^256 as in Core.
    ///
    /// - Parameters:
    ///   - params: the network.
    ///   - periodFirst: the period's first header (height multiple of 2016).
    ///   - last: the period's last header.
    /// - Returns: the next period's nBits (or `last.bits` under `noRetargeting`).
    public static func retarget(params: ChainParams, periodFirst: ChainEntry, last: ChainEntry) -> UInt32 {
        if params.noRetargeting { return last.bits }
        var timespan = Int64(last.time) - Int64(periodFirst.time)
        let target = params.powTargetTimespan
        timespan = min(max(timespan, target / 4), target * 4)
        let oldBits = params.enforceBIP94 ? periodFirst.bits : last.bits
        return CompactTarget.encode(scaledTarget(CompactTarget.decode(oldBits).value, timespan: timespan, params: params))
    }

    /// The retarget's arithmetic: `old` x `timespan` / the target timespan, at most powLimit.
    ///
    /// The product is exact: Core's arith_uint256 would wrap past 2^256, which no real network's
    /// pow limit can reach (powLimit x 4 x timespan < 2^256); easy test networks can.
    /// - Parameters:
    ///   - old: the previous target.
    ///   - timespan: the (clamped) seconds the period took.
    ///   - params: the network (target timespan and powLimit).
    /// - Returns: the new target, before compact rounding.
    static func scaledTarget(_ old: UInt256, timespan: Int64, params: ChainParams) -> UInt256 {
        let value = old.multiplied(by: UInt64(timespan), dividedBy: UInt64(params.powTargetTimespan)) ?? params.powLimit
        return params.powLimit < value ? params.powLimit : value
    }
}
