import BitcoinPrimitives
import Foundation
import Testing
import TestSupport
@testable import HeaderChain

/// The test chains of TestSupport's VaryingDifficultyChain follow the exact rules (HeaderChain
/// accepts them), their difficulty moves both ways, and the low-work fork is what it says.
@Suite struct VaryingDifficultyChainTests {
    @Test func honestChainIsValidAndItsDifficultyMovesBothWays() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let chain = VaryingDifficultyChain.honest(length: 5_000)
        let elapsed = clock.now - start
        // Well under a second on an idle machine in debug; generous for a loaded one.
        #expect(elapsed < .seconds(10), "mining 5,000 headers took \(elapsed)")
        #expect(chain.tipHeight == 5_000 && chain.headers[0] == chain.params.genesis)
        #expect(chain.params.difficultyAdjustmentInterval == VaryingDifficultyChain.retargetInterval)

        var eased = 0
        var hardened = 0
        for height in stride(from: 16, through: 5_000, by: 16) {
            let old = CompactTarget.decode(chain.headers[height - 1].bits).value
            let new = CompactTarget.decode(chain.headers[height].bits).value
            if old < new { eased += 1 }
            if new < old { hardened += 1 }
        }
        #expect(eased > 50 && hardened > 50, "eased \(eased), hardened \(hardened)")
        #expect(chain.headers.allSatisfy { $0.bits != VaryingDifficultyChain.powLimitBits })

        var headerChain = HeaderChain(params: chain.params, anchor: .genesis(chain.params))
        _ = try headerChain.accept(chain.headers.dropFirst(), from: HeaderSource("honest"), now: chain.now)
        #expect(headerChain.tip.hash == chain.tip.hash)
        #expect(headerChain.tip.chainWork == chain.chainWork[5_000])
        #expect(VaryingDifficultyChain.honest(length: 40).headers == Array(chain.headers[...40]), "deterministic")
    }

    /// HeaderChain stores the low-work fork as a valid branch and keeps the honest tip.
    @Test func lowWorkForkIsValidLongerAndLighter() throws {
        let chain = VaryingDifficultyChain.honest(length: 1_000)
        let fork = chain.lowWorkFork(from: 200, length: 1_600)
        var headerChain = HeaderChain(params: chain.params, anchor: .genesis(chain.params))
        _ = try headerChain.accept(chain.headers.dropFirst(), from: HeaderSource("honest"), now: chain.now)
        let result = try headerChain.accept(fork, from: HeaderSource("fork"), now: VaryingDifficultyChain.clock(after: fork))
        #expect(result.accepted.count == fork.count)
        #expect(result.tipChange == nil, "the honest chain keeps the tip")
        let forkLast = try #require(fork.last)
        let forkTip = try #require(headerChain.header(forkLast.hash))
        #expect(forkTip.height == 1_800 && forkTip.height > chain.tipHeight)
        #expect(forkTip.chainWork < chain.chainWork[1_000])
        #expect(forkTip.chainWork == chain.chainWork[200] &+ VaryingDifficultyChain.work(of: fork))

        // Each retarget of the fork eases at most 4x, and it reaches powLimit.
        for index in fork.indices where (201 + index) % 16 == 0 && index > 0 {
            let old = CompactTarget.decode(fork[index - 1].bits).value
            let new = CompactTarget.decode(fork[index].bits).value
            #expect(!(new < old) && !((old.multiplied(by: 4, dividedBy: 1) ?? .max) < new))
        }
        #expect(fork.suffix(1_500).allSatisfy { $0.bits == VaryingDifficultyChain.powLimitBits })
        #expect(Set(fork.map(\.hash)).isDisjoint(with: chain.headers.map(\.hash)))
    }

    /// An anchor anywhere in a period carries what HeaderChain needs for the rest of the chain.
    @Test(arguments: [1, 7, 15, 16, 31, 490, 999])
    func anchorCarriesTheContextHeaderChainNeeds(height: Int) throws {
        let chain = VaryingDifficultyChain.honest(length: 1_000)
        let anchor = try chain.anchor(at: height)
        #expect(anchor.chainWork == chain.chainWork[height])
        #expect(anchor.ancestors.count == min(height, max(10, height % 16)))
        var headerChain = HeaderChain(params: chain.params, anchor: anchor)
        _ = try headerChain.accept(chain.headers[(height + 1)...], from: HeaderSource("rest"), now: chain.now)
        #expect(headerChain.tip.hash == chain.tip.hash)
        #expect(headerChain.tip.chainWork == chain.chainWork[1_000])
    }
}
