import BitcoinPrimitives
import HeaderChain

/// Selector 17: ``HeaderChain`` against a second implementation written here from Bitcoin Core's
/// rules (src/pow.cpp, src/validation.cpp ContextualCheckBlockHeader), with its own 320-bit
/// arithmetic on bytes and no call into the module's consensus code; and ``HeadersPresync``
/// against ``HeaderChain`` on the same run.
///
/// The network is the test network of Tests/TestSupport/VaryingDifficultyChain.swift (regtest's
/// powLimit, a 16-header retarget, genesis 8 times harder than powLimit) in eight variants:
/// min-difficulty blocks, BIP94 and no-retargeting each on or off, with BIP34/66/65 at heights
/// 2, 5 and 9. The input describes headers: parent (the last one, an earlier one or an unknown
/// hash), time step (signed), nBits (the reference's required value, the parent's, powLimit's,
/// near misses, anything), version, whether to mine it, and batch boundaries. Each batch goes to
/// both; they must agree on acceptance, on the refused header's position and Core reason, and on
/// the best tip and its chain work.
///
/// Presync: while the headers form one run from genesis, a batch HeaderChain accepts must pass
/// the presync with the same work and last hash; a batch the presync refuses, HeaderChain must
/// refuse at the same header for the same reason unless HeaderChain refused earlier for the
/// exact nBits (which the presync does not check; it checks only Core's permitted transition).
///
/// Where the reference departs from Core, on purpose: a retarget whose product overflows 256
/// bits gives powLimit (Core's arith_uint256 would wrap; no real network can overflow, this test
/// network can), as altnet's DifficultyRules documents.
enum HeaderChainFuzz {
    static let interval = 16
    static let spacing: Int64 = 600
    static let powLimitBits: UInt32 = 0x207f_ffff
    static let startBits: UInt32 = 0x200f_ffff

    static let variants: [ChainParams] = (0..<8).map { v -> ChainParams in
        var genesis = BlockHeader(
            version: 1, previousBlockHash: .zero, merkleRoot: Hash256(words: (0x6675_7a7a, UInt64(v), 0, 0)),
            time: 1_700_000_000, bits: startBits, nonce: 0)
        _ = mine(&genesis, tries: 1 << 20)
        let regtest = ChainParams.regtest
        return ChainParams(
            network: .regtest, messageStart: regtest.messageStart, defaultP2PPort: regtest.defaultP2PPort,
            defaultRPCPort: regtest.defaultRPCPort, genesis: genesis, powLimit: regtest.powLimit,
            powTargetSpacing: spacing, powTargetTimespan: spacing * Int64(interval),
            allowMinDifficultyBlocks: v & 1 != 0, noRetargeting: v & 4 != 0, enforceBIP94: v & 2 != 0,
            bip34Height: 2, bip66Height: 5, bip65Height: 9)
    }

    static func run(_ input: inout FuzzInput) {
        let variant = Int(input.byte() % 8)
        let params = variants[variant]
        let rules = Reference.Rules(
            minDifficulty: variant & 1 != 0, bip94: variant & 2 != 0, noRetargeting: variant & 4 != 0,
            powLimit: Big(bits: powLimitBits))
        let now = Int64(params.genesis.time) + Int64(input.u16()) * 16
        let batches = generate(&input, params: params, rules: rules)

        var chain = HeaderChain(params: params, anchor: .genesis(params), limits: .init(maxHeadersPerSource: 1_000_000, maxTips: 10_000))
        var reference = Reference(genesis: params.genesis, rules: rules)
        var presync: HeadersPresync? = HeadersPresync(params: params, anchor: .genesis(params))
        var linearSoFar = true
        var expectedParent = params.genesis.hash
        for batch in batches {
            for header in batch {
                if header.previousBlockHash != expectedParent { linearSoFar = false }
                expectedParent = header.hash
            }
            if !linearSoFar { presync = nil }
            let ours = Result { () throws(HeaderRejection) in try chain.accept(batch, from: HeaderSource("fuzz"), now: now) }
            let theirs = reference.accept(batch, now: now)
            switch (ours, theirs) {
            case (.success, nil):
                break
            case (.failure(let rejection), let refusal?):
                FuzzTargets.check(rejection.indexInBatch == refusal.index && rejection.coreReason == refusal.reason,
                                  "HeaderChain refused header \(rejection.indexInBatch) (\(rejection.coreReason)), the reference header \(refusal.index) (\(refusal.reason))")
            case (.success, let refusal?):
                FuzzTargets.check(false, "HeaderChain accepted a batch the reference refuses at \(refusal.index): \(refusal.reason)")
            case (.failure(let rejection), nil):
                FuzzTargets.check(false, "HeaderChain refused a batch the reference accepts: \(rejection)")
            }
            #if !FUZZING
            // The replayer (plain `swift build`) shows what each batch did.
            print("batch of \(batch.count): \(theirs.map { "refused at \($0.index): \($0.reason)" } ?? "accepted"), tip height \(chain.tip.height)")
            #endif
            FuzzTargets.check(chain.tip.hash == reference.tip, "HeaderChain's tip differs from the reference's")
            FuzzTargets.check(chain.tip.chainWork == reference.tipWork.uint256, "HeaderChain's chain work differs from the reference's")
            FuzzTargets.check(chain.count == reference.nodes.count + 1, "HeaderChain stores \(chain.count) headers, the reference \(reference.nodes.count)")

            guard var p = presync else { continue }
            let pre = Result { () throws(HeaderRejection) in try p.feed(batch, now: now) }
            switch (ours, pre) {
            case (.success, .success):
                FuzzTargets.check(p.chainWork == chain.tip.chainWork && p.lastHash == chain.tip.hash, "presync and HeaderChain differ on work")
                presync = p
            case (.success, .failure(let r)):
                FuzzTargets.check(false, "presync refused a run HeaderChain accepts: \(r)")
            case (.failure(let c), .failure(let r)):
                if c.coreReason != "bad-diffbits" {
                    FuzzTargets.check(c.indexInBatch == r.indexInBatch && c.coreReason == r.coreReason, "presync refused \(r), HeaderChain \(c)")
                } else {
                    FuzzTargets.check(r.indexInBatch >= c.indexInBatch, "presync refused \(r) before HeaderChain's \(c)")
                }
            case (.failure(let c), .success):
                FuzzTargets.check(c.coreReason == "bad-diffbits", "presync accepted a run HeaderChain refuses: \(c)")
                presync = nil  // the two runs differ from here on
            }
        }
    }

    /// Headers from the input, in batches. Each header's "right" nBits are computed by the
    /// reference over the headers generated so far (accepted or not).
    static func generate(_ input: inout FuzzInput, params: ChainParams, rules: Reference.Rules) -> [[BlockHeader]] {
        var made: [BlockHeader] = []
        var byHash: [BlockHash: (header: BlockHeader, height: Int)] = [params.genesis.hash: (params.genesis, 0)]
        var batches: [[BlockHeader]] = [[]]
        while !input.isEmpty && made.count < 40 {
            let op = input.byte()
            let parent: BlockHeader
            switch op & 3 {
            case 3:
                let pick = Int(input.byte())
                if pick == 255 {
                    parent = BlockHeader(version: 4, previousBlockHash: BlockHash(Hash256(words: (9, 9, 9, 9))), merkleRoot: .zero, time: 0, bits: 0, nonce: 0)
                } else {
                    parent = pick % (made.count + 1) == 0 ? params.genesis : made[pick % (made.count + 1) - 1]
                }
            default:
                parent = made.last ?? params.genesis
            }
            let height = (byHash[parent.hash]?.height ?? -1) + 1
            let step = Int64(Int16(bitPattern: UInt16(input.u16())))
            let time = UInt32(clamping: Int64(parent.time) + (op & 4 != 0 ? step : 600 + step % 64))
            let choice = input.byte()
            let right = Reference.requiredBits(height: height, time: time, parent: parent.hash, rules: rules) { byHash[$0] }
            let bits: UInt32
            switch choice % 12 {
            case 0...5: bits = right ?? parent.bits
            case 6: bits = parent.bits
            case 7: bits = powLimitBits
            case 8: bits = UInt32(input.u16()) | UInt32(input.u16()) << 16
            case 9: bits = (right ?? parent.bits) &+ 1
            case 10: bits = (right ?? parent.bits) &- 1
            default: bits = (right ?? parent.bits) ^ 0x0100_0000
            }
            let version: Int32 = op & 0x18 == 0x18 ? Int32(input.byte() % 6) : 4
            var header = BlockHeader(
                version: version, previousBlockHash: parent.hash, merkleRoot: Hash256(words: (UInt64(made.count), UInt64(op), 0, 0)),
                time: time, bits: bits, nonce: 0)
            if op & 0x20 == 0 { _ = mine(&header, tries: 64) }
            made.append(header)
            byHash[header.hash] = (header, height)
            batches[batches.count - 1].append(header)
            if op & 0x40 != 0 { batches.append([]) }
            // Sometimes send a header again (already known, or within the same batch).
            if op & 0x80 != 0, input.byte() & 7 == 0 { batches[batches.count - 1].append(header) }
        }
        return batches.filter { !$0.isEmpty }
    }

    /// Increments the nonce until the hash meets the reference's reading of nBits.
    @discardableResult
    static func mine(_ header: inout BlockHeader, tries: Int) -> Bool {
        guard let target = Reference.target(bits: header.bits, powLimit: Big(bits: powLimitBits)) else { return false }
        for _ in 0..<tries {
            if !(target < Big(hash: header.hash)) { return true }
            header.nonce &+= 1
        }
        return false
    }

    /// An unsigned number of 40 bytes, little-endian (320 bits: room for a retarget's product).
    struct Big: Comparable {
        var bytes: [UInt8]
        init(_ value: UInt64 = 0) {
            bytes = [UInt8](repeating: 0, count: 40)
            for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }
        init(hash: BlockHash) {
            bytes = hash.internalBytes + [UInt8](repeating: 0, count: 8)
        }
        /// Core's SetCompact, ignoring sign and overflow (the caller checks those).
        init(bits: UInt32) {
            self.init()
            let size = Int(bits >> 24)
            var word = bits & 0x007f_ffff
            if size <= 3 {
                word >>= 8 * UInt32(3 - size)
                for i in 0..<3 { bytes[i] = UInt8(truncatingIfNeeded: word >> (8 * UInt32(i))) }
            } else {
                for i in 0..<3 where size - 3 + i < 40 { bytes[size - 3 + i] = UInt8(truncatingIfNeeded: word >> (8 * UInt32(i))) }
            }
        }
        var isZero: Bool { bytes.allSatisfy { $0 == 0 } }
        static func < (a: Big, b: Big) -> Bool {
            for i in (0..<40).reversed() where a.bytes[i] != b.bytes[i] { return a.bytes[i] < b.bytes[i] }
            return false
        }
        func times(_ m: UInt64) -> Big {
            var out = Big(), carry: UInt64 = 0
            for i in 0..<40 {
                let v = UInt64(bytes[i]) * m + carry
                out.bytes[i] = UInt8(truncatingIfNeeded: v)
                carry = v >> 8
            }
            return out
        }
        func dividedBy(_ d: UInt64) -> Big {
            var out = Big(), rest: UInt64 = 0
            for i in (0..<40).reversed() {
                let v = rest << 8 | UInt64(bytes[i])
                out.bytes[i] = UInt8(v / d)
                rest = v % d
            }
            return out
        }
        static func + (a: Big, b: Big) -> Big {
            var out = Big(), carry = 0
            for i in 0..<40 {
                let v = Int(a.bytes[i]) + Int(b.bytes[i]) + carry
                out.bytes[i] = UInt8(v & 0xff)
                carry = v >> 8
            }
            return out
        }
        static func - (a: Big, b: Big) -> Big {
            var out = Big(), borrow = 0
            for i in 0..<40 {
                var v = Int(a.bytes[i]) - Int(b.bytes[i]) - borrow
                borrow = v < 0 ? 1 : 0
                if v < 0 { v += 256 }
                out.bytes[i] = UInt8(v)
            }
            return out
        }
        /// Bit `i` (0 the lowest) and shifting left by one, for long division.
        func bit(_ i: Int) -> Bool { bytes[i / 8] >> (i % 8) & 1 != 0 }
        func doubled(plus bit: Bool) -> Big {
            var out = Big(), carry: UInt8 = bit ? 1 : 0
            for i in 0..<40 {
                out.bytes[i] = bytes[i] << 1 | carry
                carry = bytes[i] >> 7
            }
            return out
        }
        /// Work by nBits, computed once (the harness is single-threaded; bounded).
        nonisolated(unsafe) static var works: [[UInt8]: Big] = [:]

        /// Core's GetBlockProof: 2^256 / (target + 1), by long division.
        static func work(target: Big) -> Big {
            if let known = works[target.bytes] { return known }
            let q = longDivision(target)
            if works.count > 4096 { works = [:] }
            works[target.bytes] = q
            return q
        }

        static func longDivision(_ target: Big) -> Big {
            var numerator = Big()
            numerator.bytes[32] = 1
            let d = target + Big(1)
            var q = Big(), r = Big()
            for i in (0..<264).reversed() {
                r = r.doubled(plus: numerator.bit(i))
                q = q.doubled(plus: false)
                if !(r < d) {
                    r = r - d
                    q.bytes[0] |= 1
                }
            }
            return q
        }
        /// Core's GetCompact.
        var compact: UInt32 {
            var top = 39
            while top >= 0 && bytes[top] == 0 { top -= 1 }
            var size = top + 1
            var word: UInt32 = 0
            for k in 0..<3 {
                let i = size - 1 - k
                word = word << 8 | (i >= 0 ? UInt32(bytes[i]) : 0)
            }
            if word & 0x0080_0000 != 0 {
                word >>= 8
                size += 1
            }
            return word | UInt32(size) << 24
        }
        var uint256: UInt256 {
            (try? UInt256(bigEndianBytes: Array(bytes[0..<32].reversed()))) ?? .zero
        }
    }

    /// The second implementation: a map of headers by hash, each rule a walk over parents.
    struct Reference {
        struct Rules {
            var minDifficulty: Bool
            var bip94: Bool
            var noRetargeting: Bool
            var powLimit: Big
        }
        struct Node {
            var header: BlockHeader
            var height: Int
            var work: Big
        }
        struct Refusal {
            var index: Int
            var reason: String
        }

        let rules: Rules
        /// Stored headers (genesis excluded), and their order of arrival.
        var nodes: [BlockHash: Node] = [:]
        let genesis: Node
        var tip: BlockHash
        var tipWork: Big

        init(genesis: BlockHeader, rules: Rules) {
            self.rules = rules
            let work = Big.work(target: Big(bits: genesis.bits))
            self.genesis = Node(header: genesis, height: 0, work: work)
            tip = genesis.hash
            tipWork = work
        }

        func node(_ hash: BlockHash, _ pending: [BlockHash: Node]) -> Node? {
            hash == genesis.header.hash ? genesis : pending[hash] ?? nodes[hash]
        }

        /// A target from nBits, or nil when negative, zero, overflowing or above powLimit.
        static func target(bits: UInt32, powLimit: Big) -> Big? {
            let size = bits >> 24, word = bits & 0x007f_ffff
            if word != 0 && bits & 0x0080_0000 != 0 { return nil }
            if word != 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32)) { return nil }
            let value = Big(bits: bits)
            if value.isZero || powLimit < value { return nil }
            return value
        }

        /// The nBits a header at `height` with `time` on `parent` must carry (Core's
        /// GetNextWorkRequired), or nil when the parent is unknown.
        static func requiredBits(height: Int, time: UInt32, parent: BlockHash, rules: Rules,
                                 lookup: (BlockHash) -> (header: BlockHeader, height: Int)?) -> UInt32? {
            guard let last = lookup(parent) else { return nil }
            if height % interval != 0 {
                guard rules.minDifficulty else { return last.header.bits }
                if Int64(time) > Int64(last.header.time) + 2 * spacing { return powLimitBits }
                var walk = last
                while walk.height > 0, walk.height % interval != 0, walk.header.bits == powLimitBits {
                    guard let previous = lookup(walk.header.previousBlockHash) else { return nil }
                    walk = previous
                }
                return walk.header.bits
            }
            if rules.noRetargeting { return last.header.bits }
            var first = last
            for _ in 0..<(interval - 1) {
                guard let previous = lookup(first.header.previousBlockHash) else { return nil }
                first = previous
            }
            let goal = spacing * Int64(interval)
            let timespan = min(max(Int64(last.header.time) - Int64(first.header.time), goal / 4), goal * 4)
            let base = Big(bits: rules.bip94 ? first.header.bits : last.header.bits)
            var next = base.times(UInt64(timespan)).dividedBy(UInt64(goal))
            if rules.powLimit < next { next = rules.powLimit }
            return next.compact
        }

        /// Checks a batch in Core's order and stores it, all or nothing.
        mutating func accept(_ batch: [BlockHeader], now: Int64) -> Refusal? {
            var pending: [BlockHash: Node] = [:]
            var order: [BlockHash] = []
            for (index, header) in batch.enumerated() {
                let hash = header.hash
                if node(hash, pending) != nil { continue }
                func refuse(_ reason: String) -> Refusal { Refusal(index: index, reason: reason) }
                guard let target = Self.target(bits: header.bits, powLimit: rules.powLimit),
                      !(target < Big(hash: hash))
                else { return refuse("high-hash") }
                guard let parent = node(header.previousBlockHash, pending) else { return refuse("prev-blk-not-found") }
                let height = parent.height + 1
                let required = Self.requiredBits(height: height, time: header.time, parent: parent.header.hash, rules: rules) { h in
                    node(h, pending).map { (header: $0.header, height: $0.height) }
                }
                guard required == header.bits
                else { return refuse("bad-diffbits") }
                var times: [UInt32] = []
                var walk: Node? = parent
                while let w = walk, times.count < 11 {
                    times.append(w.header.time)
                    walk = w.height == 0 ? nil : node(w.header.previousBlockHash, pending)
                }
                times.sort()
                guard header.time > times[times.count / 2] else { return refuse("time-too-old") }
                if rules.bip94, height % interval == 0, Int64(header.time) < Int64(parent.header.time) - 600 {
                    return refuse("time-timewarp-attack")
                }
                guard Int64(header.time) <= now + 2 * 60 * 60 else { return refuse("time-too-new") }
                let minimum: Int32 = height >= 9 ? 4 : height >= 5 ? 3 : height >= 2 ? 2 : 0
                guard header.version >= minimum else { return refuse("bad-version") }
                pending[hash] = Node(header: header, height: height, work: parent.work + Big.work(target: target))
                order.append(hash)
            }
            var best: BlockHash?
            for hash in order {
                if let b = best, !(pending[b]!.work < pending[hash]!.work) { continue }
                best = hash
            }
            for (hash, n) in pending { nodes[hash] = n }
            if let best, tipWork < pending[best]!.work {
                tip = best
                tipWork = pending[best]!.work
            }
            return nil
        }
    }
}

extension Result where Failure == HeaderRejection {
    init(_ body: () throws(HeaderRejection) -> Success) {
        do throws(HeaderRejection) { self = .success(try body()) } catch { self = .failure(error) }
    }
}
