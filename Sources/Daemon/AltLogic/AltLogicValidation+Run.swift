import Foundation
import Watchdog

extension AltLogicValidation {
    /// The service loop:
    /// - rescues on every opened chain-category anomaly and records the outcome on the board;
    ///   while the outcome asks for it (``RescueOutcome/wantsRetry``: inconclusive, failed, ...)
    ///   and the anomaly stays open, tries again with backoff (``AltLogicConfig/retryPolicy``);
    /// - cross-checks every ``AltLogicConfig/crossCheckInterval`` and after each new bitcoind
    ///   block, and raises an `altnet-better-chain` anomaly when a cross-check finds more work;
    /// - cross-checks when a driver's peer announced a height above bitcoind's tip (its
    ///   `version` start height), with backoff while the signal stays.
    /// Returns when `anomalies` ends or the task is cancelled.
    /// - Parameters:
    ///   - anomalies: the watchdog board's changes (``AnomalyBoard/subscribe(buffer:)``).
    ///   - newBlocks: yields when the caller sees a new bitcoind block.
    ///   - board: where outcomes are recorded, when there is one.
    public func run(anomalies: AsyncStream<AnomalyChange>, newBlocks: AsyncStream<Void>, board: AnomalyBoard?) async {
        let interval = config.crossCheckInterval
        let clock = clock
        let (ticks, tick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await clock.sleep(for: interval)
                    if Task.isCancelled { break }
                    tick.yield()
                }
            }
            group.addTask {
                for await _ in newBlocks { tick.yield() }
            }
            group.addTask { [self] in
                await watchPeerHeights { tick.yield() }
            }
            group.addTask { [self] in
                for await _ in ticks {
                    let report = await crossCheck()
                    guard let board else { continue }
                    if !report.betterChainSeen {
                        await board.clear(kind: .altnetBetterChain, outcome: report.outcome.name)
                    } else {
                        let anomaly = await board.raise(Finding(
                            kind: .altnetBetterChain, severity: .critical, subject: report.altTip ?? "",
                            reason: "a valid chain with more work than bitcoind's was seen over altnet (\(report.outcome.name))",
                            evidence: ["alt_tip": report.altTip ?? "", "alt_height": report.altHeight.map(String.init) ?? "",
                                       "bitcoind_tip": report.tipBefore ?? "", "outcome": report.outcome.name]),
                            outcome: report.outcome.name)
                        // Acted on already: record the outcome (a caught-up chain closes it).
                        await board.resolve(id: anomaly.id, outcome: report.outcome.name)
                    }
                }
            }
            for await change in anomalies {
                guard case .opened(let anomaly) = change, anomaly.kind.category == .chain,
                      anomaly.kind != .altnetBetterChain else { continue }
                let report = await rescue(trigger: anomaly.kind.rawValue, anomalyID: anomaly.id)
                await board?.resolve(id: anomaly.id, outcome: report.outcome.name)
                if report.outcome.wantsRetry, let board {
                    group.addTask { [self] in
                        await retryWhileOpen(anomaly, board: board, after: report.outcome)
                    }
                }
            }
            // The anomaly stream ends with the watchdog (or this task is cancelled): stop the rest.
            group.cancelAll()
            tick.finish()
        }
    }

    /// Rescues again, with backoff, while the anomaly stays open and the outcome asks for it.
    func retryWhileOpen(_ anomaly: Anomaly, board: AnomalyBoard, after first: RescueOutcome) async {
        var outcome = first
        var attempt = 1
        while outcome.wantsRetry, !Task.isCancelled {
            guard case .restart(let delay) = config.retryPolicy.decide(earlyFailures: attempt, random: Double.random(in: 0..<1)) else { return }
            logger.info("rescue will be tried again while the anomaly stays open", metadata: [
                "anomaly": "\(anomaly.kind.rawValue)", "id": "\(anomaly.id)", "outcome": "\(outcome.name)", "after": "\(delay)",
            ])
            do { try await clock.sleep(for: delay) } catch { return }
            guard await board.openAnomalies.contains(where: { $0.id == anomaly.id }) else { return }
            AltLogicMetrics.retried(outcome: outcome.kind)
            let report = await rescue(trigger: "\(anomaly.kind.rawValue) (retry \(attempt))", anomalyID: anomaly.id)
            await board.resolve(id: anomaly.id, outcome: report.outcome.name)
            outcome = report.outcome
            attempt += 1
        }
    }

    /// Calls `signal` when a ready driver's peer announced a height above bitcoind's tip as the
    /// last rescue saw it; again after a backoff while that stays so, until the tip catches up.
    func watchPeerHeights(signal: @Sendable () -> Void) async {
        var signalled = 0
        var quietUntil = clock.now()
        while !Task.isCancelled {
            do { try await clock.sleep(for: config.signalInterval) } catch { return }
            guard let announced = router.headerPeers().compactMap(\.startHeight).max() else {
                signalled = 0
                continue
            }
            var known = lastKnownTipHeight()
            if known == nil { known = try? await backend.chainState().tipHeight }
            guard let tip = known, announced > tip else {
                signalled = 0
                continue
            }
            guard clock.now() >= quietUntil else { continue }
            signalled += 1
            guard case .restart(let delay) = config.retryPolicy.decide(earlyFailures: signalled, random: Double.random(in: 0..<1)) else { continue }
            quietUntil = clock.now() + delay
            logger.info("a peer announced a height above bitcoind's tip; cross-checking", metadata: [
                "announced": "\(announced)", "tip": "\(tip)",
            ])
            signal()
        }
    }

    /// bitcoind's tip height after the last rescue or cross-check.
    func lastKnownTipHeight() -> Int? {
        recentReports().last.flatMap { $0.heightAfter ?? $0.heightBefore }
    }
}
