import BitcoinPrimitives
import DriverProtocol
import HeaderChain

extension Rescue {
    /// One chosen source's header sync.
    struct SourceSync {
        /// ```
        ///  waiting ─first headers─► full (fork within maxForkDepth)  ─► finished
        ///     │                └──► presync (deeper) ─work proven─► full (asked again from the fork)
        ///     └─empty─► finished (nothing better)         └─peer's tip, work short─► finished
        /// ```
        enum Phase {
            case waiting
            case presync(HeadersPresync, ChainAnchor)
            case full
            case finished
        }

        let candidate: SourceCandidate
        var phase: Phase = .waiting
        /// The validated headers it sent (full phase), anchored where it forked.
        var chain: HeaderChain?
        var locator: [BlockHash]
        var rounds = 0
        var report: SourceReport
        /// When its first answer came, for "fastest first" block fetching.
        var firstAnswer: Duration?

        var isFinished: Bool { if case .finished = phase { true } else { false } }
    }

    /// What the fan-out found: every source's validated chain that beats bitcoind's best header.
    struct FanoutResult: Sendable {
        /// Sources with a better chain, each with its chain, fastest first.
        var better: [(source: SourceCandidate, chain: HeaderChain)] = []
        /// Every source with a chain (better or not), for the withholding check.
        var chains: [String: HeaderChain] = [:]
        /// Heights peers announced when they connected, by `driver/peer`.
        var startHeights: [String: Int] = [:]

        /// The chain with the most work (the first to arrive among equals).
        var best: (source: SourceCandidate, chain: HeaderChain)? {
            better.reduce(nil) { best, next in
                guard let b = best else { return next }
                return next.chain.tip.chainWork > b.chain.tip.chainWork ? next : b
            }
        }

        /// The sources that sent the best chain's tip (or a chain through it).
        var claimants: [SourceCandidate] {
            guard let tip = best?.chain.tip.hash else { return [] }
            return better.filter { $0.chain.header(tip) != nil }.map(\.source)
        }

        /// The sources whose validated headers hold `hash`, fastest first.
        func claimants(of hash: BlockHash) -> [SourceCandidate] {
            better.filter { $0.chain.header(hash) != nil }.map(\.source)
        }
    }

    /// Asks several peers of every ready driver for headers after bitcoind's tip, all at once,
    /// each source synced on its own (its own locator, its own ``HeaderChain`` anchored where it
    /// forked from bitcoind's active chain, or a ``HeadersPresync`` pass first for a deep fork).
    /// Ends when every source finished, when the header phase's time is up, or
    /// ``AltLogicConfig/fanoutGrace`` after the first source completed a better chain.
    /// Each source's answer is recorded in ``RescueReport/sources``.
    /// - Parameter state: bitcoind's chain as the rescue started.
    /// - Returns: the better chains found.
    /// - Throws: ``RescueStop`` (no driver), backend failures.
    mutating func fanOut(from state: ChainState) async throws -> FanoutResult {
        let baseLocator = try await view.locator(tipHeight: state.tipHeight)
        let heights = BlockLocator.heights(tipHeight: state.tipHeight)
        let peers = router.headerPeers()
        guard !peers.isEmpty else { throw RescueStop(outcome: .noEligibleDriver) }
        let now = clock.now()
        let candidates = peers.map { peer in
            let group = SourceCandidate.group(forAddress: peer.address, driver: peer.driver, peer: peer.peer)
            var candidate = SourceCandidate(driver: peer.driver, peer: peer.peer, group: group)
            candidate.demoted = standing.isDemoted(candidate.key, now: now)
            return candidate
        }
        let startHeights = Dictionary(peers.map { (SourceCandidate(driver: $0.driver, peer: $0.peer, group: "").key, $0.startHeight) },
                                      uniquingKeysWith: { first, _ in first })
        let chosen = SourceSelection.choose(candidates, perDriver: max(1, config.peersPerDriver), using: &random)
        var syncs = chosen.map { candidate in
            SourceSync(candidate: candidate, locator: baseLocator,
                       report: SourceReport(driver: candidate.driver, peer: candidate.peer ?? "*", group: candidate.group, answer: .noAnswer))
        }
        let target = FanoutTarget(beat: state.bestHeaderWork, minimum: minimumChainWork, tipHeight: state.tipHeight,
                                  baseLocator: baseLocator, locatorHeights: heights)
        let phaseEnd = min(deadline, clock.now() + config.headerPhaseTimeout)
        var betterAt: Duration?
        let (router, clock, requestTimeout, grace) = (router, clock, config.requestTimeout, config.fanoutGrace)

        typealias Answer = (index: Int, result: Result<RoutedHeaders, DriverProtocolError>)
        await withTaskGroup(of: Answer?.self) { group in
            func ask(_ index: Int) {
                let (locator, candidate) = (syncs[index].locator, syncs[index].candidate)
                syncs[index].rounds += 1
                group.addTask {
                    let remaining = phaseEnd - clock.now()
                    guard remaining > .zero else { return (index, .failure(DriverProtocolError(.timeout, "the header phase ended"))) }
                    do throws(DriverProtocolError) {
                        return (index, .success(try await router.getHeaders(locator, from: candidate, timeout: min(requestTimeout, remaining))))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            func wake(after delay: Duration) {
                group.addTask {
                    try? await clock.sleep(for: delay)
                    return nil
                }
            }
            for index in syncs.indices { ask(index) }
            wake(after: phaseEnd - clock.now())
            while let answer = await group.next() {
                if let (index, result) = answer {
                    await take(result, for: &syncs[index], target: target)
                    if !syncs[index].isFinished {
                        if syncs[index].rounds >= config.maxHeaderRounds {
                            syncs[index].report.detail = "stopped after \(config.maxHeaderRounds) getheaders rounds"
                            syncs[index].phase = .finished
                        } else if heldHeaders(syncs) > config.maxHeadersTotal {
                            syncs[index].report.detail = "the rescue's header budget (\(config.maxHeadersTotal)) is spent"
                            syncs[index].phase = .finished
                        } else {
                            ask(index)
                        }
                    }
                    if syncs[index].isFinished, betterAt == nil, let chain = syncs[index].chain, chain.tip.chainWork > target.beat {
                        betterAt = clock.now()
                        wake(after: grace)
                    }
                }
                let now = clock.now()
                if syncs.allSatisfy(\.isFinished) || now >= phaseEnd || betterAt.map({ now >= $0 + grace }) == true {
                    group.cancelAll()
                    break
                }
            }
        }

        var result = FanoutResult()
        result.startHeights = startHeights.compactMapValues { $0 }
        let ordered = syncs.indices.sorted { (syncs[$0].firstAnswer ?? .seconds(1 << 40)) < (syncs[$1].firstAnswer ?? .seconds(1 << 40)) }
        for index in ordered {
            var sync = syncs[index]
            classify(&sync, target: target)
            if sync.report.answer == .better, let chain = sync.chain { result.better.append((sync.candidate, chain)) }
            if let chain = sync.chain, chain.count > 1 {
                result.chains["\(sync.candidate.driver)/\(sync.report.peer)"] = chain
                let tip = chain.tip
                tipsSeen.removeAll { $0.hash == tip.hash.displayHex }
                tipsSeen.append(AltChainTip(
                    hash: tip.hash.displayHex, height: tip.height, chainwork: tip.chainWork.bigEndianHex,
                    status: tip.hash == state.tipHash ? "active" : (tip.chainWork > target.beat ? "better" : "lower-work"),
                    drivers: [sync.candidate.driver], seen: clock.wallTime()))
            }
            if sync.report.answer == .nothingBetter, let startHeight = startHeights[sync.candidate.key] ?? nil,
               startHeight > state.tipHeight {
                sync.report.detail = (sync.report.detail.map { $0 + "; " } ?? "") + "announced height \(startHeight)"
            }
            report.sources.append(sync.report)
        }
        report.independentNothingBetter = Quorum(required: config.quorum)
            .independentCount(report.sources.filter { $0.answer == .nothingBetter }.map(SourceCandidate.init(reported:)))
        return result
    }

    /// What a source must beat, and bitcoind's locator to build follow-up locators from.
    struct FanoutTarget {
        /// bitcoind's best header's work: a better chain has more.
        let beat: UInt256
        /// The network's minimum chain work.
        let minimum: UInt256
        let tipHeight: Int
        let baseLocator: [BlockHash]
        let locatorHeights: [Int]

        /// The work a presync pass must see before a deep fork is stored.
        var presyncGoal: UInt256 { beat > minimum ? beat : minimum }

        /// A locator from a source's last headers, then bitcoind's locator below the fork.
        func locator(from top: [BlockHash], forkHeight: Int) -> [BlockHash] {
            let below = zip(locatorHeights, baseLocator).filter { $0.0 < forkHeight }.map(\.1)
            return Array((top + below).prefix(P2PLimits.maxLocatorHashes))
        }
    }

    /// Headers held by every source's chain.
    func heldHeaders(_ syncs: [SourceSync]) -> Int {
        syncs.reduce(0) { $0 + ($1.chain?.count ?? 0) }
    }

    /// Takes one answer of a source: validates it and moves its sync on.
    mutating func take(_ result: Result<RoutedHeaders, DriverProtocolError>, for sync: inout SourceSync, target: FanoutTarget) async {
        let headers: [BlockHeader]
        switch result {
        case .failure(let error):
            sync.report.detail = "\(error.kind.rawValue): \(error.message.prefix(160))"
            report.note("\(sync.candidate.key.prefix(40)): \(error.kind.rawValue): \(error.message.prefix(120))")
            sync.phase = .finished
            return
        case .success(let answer):
            headers = answer.headers
            if sync.firstAnswer == nil {
                sync.firstAnswer = clock.now()
                sync.report.firstAnswerMs = Self.milliseconds(clock.now() - startedAt)
            }
            if sync.report.peer == "*" { sync.report.peer = answer.peer }
        }
        report.used(sync.candidate.driver)
        report.headersReceived += headers.count
        sync.report.headers += headers.count
        AltLogicMetrics.headersFetched(headers.count, driver: sync.candidate.driver)
        let complete = headers.count < P2PLimits.maxHeaders
        switch sync.phase {
        case .finished:
            return
        case .waiting:
            guard let first = headers.first else {
                sync.report.answer = .nothingBetter
                sync.report.detail = "nothing after bitcoind's tip"
                sync.phase = .finished
                return
            }
            let status: HeaderStatus
            let anchor: ChainAnchor
            do {
                guard let known = try await backend.headerStatus([first.previousBlockHash]).first ?? nil, known.onActiveChain else {
                    await drop(&sync, reason: "headers do not connect to bitcoind's active chain", hash: first.hash)
                    return
                }
                status = known
                anchor = try await view.anchor(at: known)
            } catch {
                sync.report.detail = "reading bitcoind: \(error)"
                sync.phase = .finished
                return
            }
            sync.report.forkHeight = status.height
            if target.tipHeight - status.height > config.maxForkDepth {
                sync.phase = .presync(HeadersPresync(params: params, anchor: anchor), anchor)
                report.note("\(sync.candidate.key.prefix(40)): forks at \(status.height), \(target.tipHeight - status.height) below the tip: presync first")
                await presync(headers, complete: complete, for: &sync, target: target)
            } else {
                sync.chain = HeaderChain(params: params, anchor: anchor,
                                         limits: .init(maxHeadersPerSource: max(1, config.maxHeadersHeld), maxTips: 2))
                sync.phase = .full
                await store(headers, complete: complete, for: &sync, target: target)
            }
        case .presync:
            await presync(headers, complete: complete, for: &sync, target: target)
        case .full:
            await store(headers, complete: complete, for: &sync, target: target)
        }
    }

    /// A deep fork's headers through the presync pass: nothing kept until the work is proven.
    private mutating func presync(_ headers: [BlockHeader], complete: Bool, for sync: inout SourceSync, target: FanoutTarget) async {
        guard case .presync(var pass, let anchor) = sync.phase else { return }
        do throws(HeaderRejection) {
            try pass.feed(headers, now: Int64(clock.wallTime()))
        } catch {
            await drop(&sync, reason: "invalid headers: \(error)", hash: error.hash)
            return
        }
        sync.report.tipHeight = pass.height
        sync.report.tip = pass.lastHash.displayHex
        if pass.chainWork > target.presyncGoal {
            // Proven: ask again from the fork, this time storing what comes.
            report.note("\(sync.candidate.key.prefix(40)): presync proved more work at height \(pass.height); fetching the fork again")
            sync.chain = HeaderChain(params: params, anchor: anchor,
                                     limits: .init(maxHeadersPerSource: max(1, config.maxHeadersHeld), maxTips: 2))
            sync.phase = .full
            sync.locator = target.locator(from: [anchor.header.hash], forkHeight: anchor.height)
            return
        }
        if complete || headers.isEmpty {
            sync.report.answer = .nothingBetter
            sync.report.detail = "presync: the fork from height \(anchor.height) ends at \(pass.height) with less work than bitcoind's best header"
            sync.phase = .finished
            return
        }
        sync.phase = .presync(pass, anchor)
        sync.locator = target.locator(from: pass.locator, forkHeight: anchor.height)
    }

    /// Headers into the source's ``HeaderChain``.
    private mutating func store(_ headers: [BlockHeader], complete: Bool, for sync: inout SourceSync, target: FanoutTarget) async {
        guard var chain = sync.chain else { return }
        sync.chain = nil
        do throws(HeaderRejection) {
            _ = try chain.accept(headers, from: HeaderSource(sync.candidate.key), now: Int64(clock.wallTime()))
        } catch {
            if case .sourceLimit = error.rule, chain.count > 1 {
                report.note("\(sync.candidate.key.prefix(40)): header cap \(config.maxHeadersHeld) reached; acting on what is held")
                sync.chain = chain
                sync.phase = .finished
                return
            }
            sync.chain = chain
            await drop(&sync, reason: "invalid headers: \(error)", hash: error.hash)
            return
        }
        sync.report.tipHeight = chain.tip.height
        sync.report.tip = chain.tip.hash.displayHex
        sync.locator = target.locator(from: chain.locator(), forkHeight: chain.anchor.height)
        sync.chain = chain
        if complete || headers.isEmpty { sync.phase = .finished }
    }

    /// The source's answer as the quorum reads it, once its sync is over.
    func classify(_ sync: inout SourceSync, target: FanoutTarget) {
        guard sync.report.answer != .invalid else { return }
        if let chain = sync.chain, chain.count > 1 {
            if chain.tip.chainWork > target.beat {
                sync.report.answer = .better
            } else if sync.isFinished {
                sync.report.answer = .nothingBetter
                if sync.report.detail == nil { sync.report.detail = "lower work than bitcoind's best header" }
            } else {
                sync.report.answer = .noAnswer
                sync.report.detail = "still syncing when the fan-out ended"
            }
        } else if sync.report.answer == .nothingBetter {
            return
        } else if sync.isFinished, sync.report.headers > 0, sync.report.detail == nil {
            sync.report.answer = .nothingBetter
        }
    }

    /// Tells the driver to drop a peer that sent invalid headers, and records it.
    mutating func drop(_ sync: inout SourceSync, reason: String, hash: BlockHash?) async {
        let key = "\(sync.candidate.driver)/\(sync.report.peer)"
        logger.warning("dropping a peer that sent invalid headers", metadata: [
            "driver": "\(sync.candidate.driver)", "peer": "\(LogText.escaped(sync.report.peer, limit: 80))", "reason": "\(reason)",
        ])
        sync.report.answer = .invalid
        sync.report.detail = reason
        sync.phase = .finished
        sync.chain = nil
        report.peersDropped.append(key)
        report.note("\(key.prefix(40)): \(reason)")
        if let hash {
            tipsSeen.append(AltChainTip(hash: hash.displayHex, height: -1, chainwork: "", status: "invalid",
                                        drivers: [sync.candidate.driver], seen: clock.wallTime()))
        }
        guard sync.report.peer != "*" else { return }
        do throws(DriverProtocolError) {
            try await router.disconnect(driver: sync.candidate.driver, peer: sync.report.peer, reason: reason)
        } catch {
            report.note("\(sync.candidate.driver): disconnectpeer failed: \(error.kind.rawValue): \(error.message.prefix(120))")
        }
    }
}

extension SourceCandidate {
    /// The candidate a report describes (for counting independent answers).
    init(reported source: SourceReport) {
        self.init(driver: source.driver, peer: source.peer, group: source.group)
    }
}
