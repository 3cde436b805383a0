import BitcoinPrimitives
import Testing
import TestSupport
@testable import HeaderChain

@Suite struct MainnetChainTests {
    let data: MainnetData
    init() throws { data = try MainnetData() }

    @Test func anchoredAt822528AcceptsTheNext8064() throws {
        var chain = try data.anchoredChain()
        let result = try chain.accept(data.headers.dropFirst(), from: HeaderSource("file"), now: data.now)
        #expect(result.accepted.count == 8064)
        #expect(result.alreadyKnown == 0)
        #expect(chain.tip.height == 830_592)
        #expect(chain.tip.hash == data.headers.last?.hash)
        #expect(chain.header(atHeight: 830_591)?.chainWork == data.chainWork[830_591])
        #expect(chain.header(atHeight: 830_592)?.chainWork == data.chainWork[830_592])
        // Every height in chainwork.tsv within the file matches too.
        for (height, work) in data.chainWork where height >= MainnetData.firstHeight && height <= 830_592 {
            #expect(chain.header(atHeight: height)?.chainWork == work, "height \(height)")
        }
        guard case .extended(let old, let new)? = result.tipChange else {
            Issue.record("expected the tip to be extended, got \(String(describing: result.tipChange))")
            return
        }
        #expect(old.height == 822_528 && new.height == 830_592)
        // Sending it again changes nothing.
        let again = try chain.accept(data.headers, from: HeaderSource("file"), now: data.now)
        #expect(again.accepted.isEmpty && again.alreadyKnown == 8065 && again.tipChange == nil)
    }

    @Test func acceptsInP2PSizedBatches() throws {
        var chain = try data.anchoredChain()
        var start = 1
        while start < data.headers.count {
            let end = min(start + 2000, data.headers.count)
            _ = try chain.accept(data.headers[start..<end], from: HeaderSource("peer"), now: data.now)
            start = end
        }
        #expect(chain.tip.height == 830_592)
        #expect(chain.tip.chainWork == data.chainWork[830_592])
        let locator = chain.locator()
        #expect(locator.first == chain.tip.hash)
        #expect(locator.last == chain.anchor.hash)
        #expect(locator.count == BlockLocator.heights(tipHeight: 830_592, lowest: 822_528).count)
    }

    @Test func staleHeadersPassPoWButDoNotConnect() throws {
        let stale = try MainnetData.staleHeaders()
        try #require(stale.count == 2)
        for (height, header) in stale {
            let target = try ProofOfWork.target(bits: header.bits, powLimit: ChainParams.main.powLimit)
            #expect(ProofOfWork.meets(header.hash, target: target), "stale \(height) has valid PoW")
            var chain = try data.anchoredChain()
            do {
                _ = try chain.accept([header], from: HeaderSource("peer"), now: data.now)
                Issue.record("stale header at \(height) was accepted on a chain without its parent")
            } catch {
                #expect(error.rule == .doesNotConnect(previous: header.previousBlockHash))
                #expect(error.hash == header.hash)
                #expect(error.coreReason == "prev-blk-not-found")
            }
            #expect(chain.count == 1)
        }
    }

    @Test func staleHeadersBecomeForksOnceTheirParentsAreKnown() throws {
        var chain = try data.anchoredChain()
        _ = try chain.accept(data.headers.dropFirst(), from: HeaderSource("file"), now: data.now)
        let tip = chain.tip
        var forks = 0
        for (height, header) in try MainnetData.staleHeaders() {
            let result = try chain.accept([header], from: HeaderSource("peer"), now: data.now)
            #expect(result.tipChange == nil)
            if header == data.header(at: height) {
                // stale-headers.tsv's 829613 row is byte-identical to the file's main-chain header
                // (829614 builds on it): it is simply already known.
                #expect(result.alreadyKnown == 1)
                continue
            }
            forks += 1
            #expect(result.accepted.first?.height == height)
            let onBest = chain.isOnBestChain(header.hash)
            #expect(!onBest)
        }
        let tipAfter = chain.tip
        let tipCount = chain.tips.count
        #expect(forks >= 1)
        #expect(tipAfter == tip)
        #expect(tipCount == 1 + forks)
    }

    /// Flips every bit of every field of header 822529 and expects Core's verdict. Every flip
    /// changes the hash, so PoW is what fails (Core checks it first): `high-hash`, or for nBits an
    /// invalid target. Rule-specific damage (bad-diffbits, time-too-old, ...) on headers re-mined
    /// after the change is tested in ConstructedChainTests.
    @Test func everySingleBitFlipIsRejected() throws {
        let original = data.header(at: 822_529)
        let fields: [(name: String, range: Range<Int>)] = [
            ("version", 0..<4), ("previous", 4..<36), ("merkle", 36..<68), ("time", 68..<72),
            ("bits", 72..<76), ("nonce", 76..<80),
        ]
        var seen: Set<String> = []
        for field in fields {
            for bit in (field.range.lowerBound * 8)..<(field.range.upperBound * 8) {
                var bytes = original.serialized
                bytes[bit / 8] ^= 1 << UInt8(bit % 8)
                let flipped = try BlockHeader(bytes: bytes)
                var chain = try data.anchoredChain()
                let expected: HeaderRejection.Rule
                if field.name == "bits" {
                    do {
                        let target = try ProofOfWork.target(bits: flipped.bits, powLimit: ChainParams.main.powLimit)
                        expected = ProofOfWork.meets(flipped.hash, target: target)
                            ? .badDifficultyBits(expected: original.bits, actual: flipped.bits) : .highHash
                    } catch { expected = .badTarget(error) }
                } else {
                    expected = .highHash
                }
                do {
                    _ = try chain.accept([flipped], from: HeaderSource("peer"), now: data.now)
                    Issue.record("\(field.name) bit \(bit) flipped was accepted")
                } catch {
                    #expect(error.rule == expected, "\(field.name) bit \(bit)")
                    #expect(error.hash == flipped.hash)
                    #expect(error.indexInBatch == 0)
                    seen.insert(error.coreReason + "/" + "\(error.rule)".prefix(12))
                }
                #expect(chain.count == 1)
            }
        }
        // The nBits flips reach each kind of verdict.
        #expect(seen.contains { $0.contains("badTarget") })
        #expect(seen.contains { $0.hasPrefix("high-hash/highHash") })
    }

    @Test func aBadHeaderMidBatchLeavesNoTrace() throws {
        var chain = try data.anchoredChain()
        var batch = Array(data.headers[1...100])
        batch[60].time &+= 1
        do {
            _ = try chain.accept(batch, from: HeaderSource("peer"), now: data.now)
            Issue.record("batch with a damaged header accepted")
        } catch {
            #expect(error.indexInBatch == 60)
            #expect(error.height == 822_589)
            #expect(error.rule == .highHash)
        }
        #expect(chain.count == 1 && chain.tip.height == 822_528)
        #expect(chain.header(data.headers[1].hash) == nil)
        // The valid prefix is accepted when resent.
        let result = try chain.accept(batch[0..<60], from: HeaderSource("peer"), now: data.now)
        #expect(result.accepted.count == 60 && chain.tip.height == 822_588)
    }

    @Test func futureLimitUsesTheInjectedClock() throws {
        var chain = try data.anchoredChain()
        let next = data.header(at: 822_529)
        do {
            _ = try chain.accept([next], from: HeaderSource("peer"), now: Int64(next.time) - 7201)
            Issue.record("header 7201 s in the future accepted")
        } catch {
            #expect(error.rule == .timeTooNew(limit: Int64(next.time) - 1))
            #expect(error.height == 822_529)
        }
        _ = try chain.accept([next], from: HeaderSource("peer"), now: Int64(next.time) - 7200)
        #expect(chain.tip.height == 822_529)
    }

    @Test func sourceCapIsPerSource() throws {
        var chain = try data.anchoredChain(limits: .init(maxHeadersPerSource: 100, maxTips: 4))
        _ = try chain.accept(data.headers[1...100], from: HeaderSource("a"), now: data.now)
        do {
            _ = try chain.accept(data.headers[101...101], from: HeaderSource("a"), now: data.now)
            Issue.record("source cap not enforced")
        } catch {
            #expect(error.rule == .sourceLimit(limit: 100))
        }
        _ = try chain.accept(data.headers[101...150], from: HeaderSource("b"), now: data.now)
        #expect(chain.tip.height == 822_528 + 150)
    }
}
