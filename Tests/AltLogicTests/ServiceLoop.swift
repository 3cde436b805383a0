import AltLogic
import Foundation
import Testing
import Watchdog

/// AltLogicValidation's service loop running on an `AnomalyBoard`, for tests: open an anomaly
/// as the watchdog would, then read the outcomes recorded on it.
struct ServiceLoop {
    let board = AnomalyBoard()
    let watch: AsyncStream<AnomalyChange>
    private let service: Task<Void, Never>
    private let newBlock: AsyncStream<Void>.Continuation

    /// Starts `logic.run` on a new board.
    static func start(_ logic: AltLogicValidation) async -> ServiceLoop { await ServiceLoop(logic) }

    private init(_ logic: AltLogicValidation) async {
        let board = board
        let feed = await board.subscribe()
        watch = await board.subscribe()
        let (newBlocks, newBlock) = AsyncStream.makeStream(of: Void.self)
        self.newBlock = newBlock
        service = Task { await logic.run(anomalies: feed, newBlocks: newBlocks, board: board) }
    }

    /// Opens a stale-tip anomaly as the watchdog's tracker publishes it.
    /// - Returns: its id.
    func openStaleTip() async throws -> UInt64 {
        var tracker = AnomalyTracker()
        let changes = tracker.update(findings: [Finding(kind: .staleTip, severity: .critical, reason: "no block")],
                                     evaluated: [.staleTip], at: Date())
        await board.apply(changes)
        return try #require(changes.first?.anomaly.id)
    }

    /// The outcomes recorded on anomaly `id`, until `until` holds or `timeout` passes.
    func outcomes(of id: UInt64, timeout: Duration = .seconds(30), until: @escaping ([String]) -> Bool) async -> [String] {
        let board = board
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            await board.finish()
        }
        defer { timer.cancel() }
        var seen: [String] = []
        for await change in watch {
            if case .updated(let a) = change, a.id == id, let o = a.outcome {
                seen.append(o)
                if until(seen) { break }
            }
        }
        return seen
    }

    func stop() {
        service.cancel()
        newBlock.finish()
    }
}
