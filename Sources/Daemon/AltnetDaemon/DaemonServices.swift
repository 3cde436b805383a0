import Altstack
import DriverProtocol
import BitcoindZMQ
import Foundation
import Logging
import ServiceLifecycle
import Watchdog

/// The ONE consumer of `altstack.events`: keeps the driver metrics current and hands every
/// received P2P message to the serving side. Ends when the Altstack stops (its stream finishes),
/// so it is placed before the Altstack in the group and shut down after it.
struct EventPump: Service {
    let altstack: Altstack
    let metrics: DaemonMetrics
    let logger: Logger
    /// Called for each message a peer sent through a driver.
    let onMessage: @Sendable (_ driver: String, _ peer: String, _ message: DriverP2PMessage) async -> Void

    func run() async throws {
        metrics.record(drivers: altstack.snapshot())
        for await event in altstack.events {
            switch event {
            case .messageReceived(let driver, let peer, let message):
                await onMessage(driver, peer, message)
            case .stateChanged(let driver, let state, let reason):
                logger.info("driver \(driver): \(state.rawValue)\(reason.map { " (\(LogText.escaped($0, limit: 300)))" } ?? "")")
                metrics.record(drivers: altstack.snapshot())
            case .peerConnected(let driver, let peer):
                // Peer ids and reasons can carry peer-chosen text: escaped (LogText).
                logger.info("driver \(driver): peer \(LogText.escaped(peer.id, limit: 120)) connected")
                metrics.record(drivers: altstack.snapshot())
            case .peerDisconnected(let driver, let peer, let reason):
                logger.info("driver \(driver): peer \(LogText.escaped(peer, limit: 120)) gone\(reason.map { " (\(LogText.escaped($0, limit: 200)))" } ?? "")")
                metrics.record(drivers: altstack.snapshot())
            }
        }
        // ServiceGroup requires services to finish in shutdown order: wait for our turn.
        try? await gracefulShutdown()
    }
}

/// Logs anomaly changes and counts them.
struct AnomalyPump: Service {
    let changes: AsyncStream<AnomalyChange>
    let board: AnomalyBoard
    let metrics: DaemonMetrics
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await change in changes {
                switch change {
                case .opened(let a): logger.warning("anomaly \(a.id) opened: \(a.kind.rawValue): \(a.reason)")
                case .updated(let a): logger.notice("anomaly \(a.id) now \(a.severity): \(a.reason)")
                case .closed(let a): logger.info("anomaly \(a.id) closed: \(a.kind.rawValue)")
                }
                metrics.record(change, open: await board.openAnomalies.count)
            }
        }
        // The watchdog (shut down first) finishes the board's streams: wait for our turn.
        try? await gracefulShutdown()
    }
}

/// bitcoind's ZMQ publisher as the watchdog's feed, and a tick per new block for AltLogic.
struct ZMQFeed: Service {
    let endpoint: String
    let feed: AsyncStream<FeedEvent>.Continuation
    /// One tick per new block to each listener (AltLogic, the emergency queue).
    let newBlocks: [AsyncStream<Void>.Continuation]
    /// Counts what arrives, for `doctor` and the status page.
    let activity: ZMQActivity
    let logger: Logger

    func run() async throws {
        let subscriber = ZMQSubscriber(
            configuration: ZMQSubscriberConfiguration(endpoints: [endpoint], topics: [.hashBlock, .sequence], reconnectIntervalMs: 500),
            logger: logger)
        await cancelWhenGracefulShutdown {
            do {
                for try await event in subscriber.events() {
                    activity.received()
                    guard let mapped = FeedEvent(zmq: event) else { continue }
                    feed.yield(mapped)
                    if case .blockConnected = mapped { for tick in newBlocks { tick.yield() } }
                }
            } catch {
                logger.error("zmq feed \(endpoint) ended: \(error)")
            }
        }
        feed.finish()
        for tick in newBlocks { tick.finish() }
        try? await gracefulShutdown()
    }
}
