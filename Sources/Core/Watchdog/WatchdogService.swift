import Foundation
import ServiceLifecycle

/// The watchdog's long-running loop (a swift-service-lifecycle `Service`): polls bitcoind
/// through a ``ChainObserver`` on a timer, takes push events from a feed (ZMQ), feeds both to a
/// ``WatchdogEngine`` and publishes changes on an ``AnomalyBoard``.
///
/// The timer keeps running whatever the feed does, so a silent feed cannot silence the
/// watchdog; a block on the feed triggers an immediate poll so RPC-derived anomalies clear
/// without waiting a whole period. `run()` returns when its task is cancelled or, inside a
/// `ServiceGroup`, on graceful shutdown.
public final class WatchdogService: Service, Sendable {
    public let config: WatchdogConfig
    public let board: AnomalyBoard
    private let observer: any ChainObserver
    private let feed: AsyncStream<FeedEvent>?
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - config: thresholds and the poll period.
    ///   - observer: polls bitcoind.
    ///   - feed: push events (ZMQ), or nil when none is configured.
    ///   - board: where anomalies are published.
    ///   - now: the clock (injected for tests).
    public init(config: WatchdogConfig, observer: any ChainObserver, feed: AsyncStream<FeedEvent>?,
                board: AnomalyBoard = AnomalyBoard(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config
        self.observer = observer
        self.feed = feed
        self.board = board
        self.now = now
    }

    private enum Input: Sendable {
        case feed(FeedEvent)
        case tick
    }

    /// Runs until cancelled or gracefully shut down.
    /// - Throws: nothing in practice: cancellation and shutdown end the loop normally.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
        await board.finish()
    }

    private func loop() async {
        let (inputs, inbox) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .bufferingNewest(4096))
        let period = Duration.milliseconds(Int64(max(config.pollSeconds, 0.05) * 1000))
        await withTaskGroup(of: Void.self) { group in
            if let feed {
                group.addTask {
                    for await event in feed { inbox.yield(.feed(event)) }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    inbox.yield(.tick)
                    try? await Task.sleep(for: period)
                }
                inbox.finish()
            }
            var engine = WatchdogEngine(config: config)
            // Polls closer together than this are coalesced: ticks queued behind a slow poll,
            // or a burst of blocks, cost one RPC round, not one each.
            let minimumGap = min(config.pollSeconds / 2, 0.5)
            var lastPoll = Date.distantPast
            for await input in inputs {
                if Task.isCancelled { break }
                let due = now().timeIntervalSince(lastPoll) >= minimumGap
                switch input {
                case .tick where due:
                    await poll(&engine)
                    lastPoll = now()
                case .tick:
                    await board.apply(engine.evaluate(at: now()))
                case .feed(let event):
                    await board.apply(engine.feed(event, at: now()))
                    if case .blockConnected = event, due {
                        await poll(&engine)
                        lastPoll = now()
                    }
                }
            }
            group.cancelAll()
        }
    }

    private func poll(_ engine: inout WatchdogEngine) async {
        let changes: [AnomalyChange]
        do {
            var observation = try await observer.observe()
            observation.at = now()
            changes = engine.observe(observation)
        } catch {
            changes = engine.rpcFailed(String(describing: error), at: now())
        }
        await board.apply(changes)
    }
}
