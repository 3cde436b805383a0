import Foundation
import Watchdog

extension AltLogicValidation {
    /// The service loop: rescues on every opened chain-category anomaly (and closes it on the
    /// board with the outcome), cross-checks every ``AltLogicConfig/crossCheckInterval`` and after
    /// each new bitcoind block, and raises an `altnet-better-chain` anomaly when a cross-check
    /// finds more work over altnet. Returns when `anomalies` ends or the task is cancelled.
    /// - Parameters:
    ///   - anomalies: the watchdog board's changes (``AnomalyBoard/subscribe(buffer:)``).
    ///   - newBlocks: yields when the caller sees a new bitcoind block.
    ///   - board: where outcomes are recorded, when there is one.
    public func run(anomalies: AsyncStream<AnomalyChange>, newBlocks: AsyncStream<Void>, board: AnomalyBoard?) async {
        let interval = config.crossCheckInterval
        let (ticks, tick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    tick.yield()
                }
            }
            group.addTask {
                for await _ in newBlocks { tick.yield() }
            }
            group.addTask { [self] in
                for await _ in ticks {
                    let report = await crossCheck()
                    guard let board else { continue }
                    if !report.betterChainSeen {
                        await board.clear(kind: .altnetBetterChain, outcome: report.outcome)
                    } else {
                        let anomaly = await board.raise(Finding(
                            kind: .altnetBetterChain, severity: .critical, subject: report.altTip ?? "",
                            reason: "a valid chain with more work than bitcoind's was seen over altnet (\(report.outcome))",
                            evidence: ["alt_tip": report.altTip ?? "", "alt_height": report.altHeight.map(String.init) ?? "",
                                       "bitcoind_tip": report.tipBefore ?? "", "outcome": report.outcome]),
                            outcome: report.outcome)
                        // Acted on already: record the outcome (a caught-up chain closes it).
                        await board.resolve(id: anomaly.id, outcome: report.outcome)
                    }
                }
            }
            for await change in anomalies {
                guard case .opened(let anomaly) = change, anomaly.kind.category == .chain,
                      anomaly.kind != .altnetBetterChain else { continue }
                let report = await rescue(trigger: anomaly.kind.rawValue, anomalyID: anomaly.id)
                await board?.resolve(id: anomaly.id, outcome: report.outcome)
            }
            // The anomaly stream ends with the watchdog (or this task is cancelled): stop the rest.
            group.cancelAll()
            tick.finish()
        }
    }
}
