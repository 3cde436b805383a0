import CLNDriverCore
import DriverKit
import Foundation
import LightningAltnetMessages
import LightningDriverCore
import Logging

/// The Core Lightning carrier's sending side: ``AltnetCarrier/deliver(_:)`` queues one peer's
/// messages (all or none, under that peer's ``OutboundBudget`` and the driver's total), and
/// ``run(logger:)`` hands them to lightningd one `sendcustommsg` at a time, in order.
final class CustomMessageSender: AltnetCarrier, @unchecked Sendable {
    // @unchecked: `budgets` and `peers` are guarded by `lock`; the rest is immutable.
    private let lock = NSLock()
    private var budgets: [String: OutboundBudget] = [:]
    /// All peers' queues together: a broadcast to hundreds of channel peers stops here.
    private var total: OutboundBudget
    private var peers: Set<String> = []
    private let limit: Int
    private let rpc: LightningRPCClient
    private let stream: AsyncStream<CustomMessage>
    private let queue: AsyncStream<CustomMessage>.Continuation

    /// - Parameters:
    ///   - rpc: lightningd's socket.
    ///   - limit: bytes queued for one peer at most (`outbound_queue_bytes`).
    init(rpc: LightningRPCClient, limit: Int) {
        self.rpc = rpc
        self.limit = limit
        total = OutboundBudget(limit: Self.totalLimit(perPeer: limit))
        (stream, queue) = AsyncStream<CustomMessage>.makeStream()
    }

    /// What all queues together may hold: four peers' worth (32 MiB by default).
    static func totalLimit(perPeer: Int) -> Int { 4 * perPeer }

    /// An altnet peer to carry messages to.
    func add(_ peer: String) { lock.withLock { _ = peers.insert(peer) } }

    /// A peer that left (what is queued for it still goes; lightningd refuses it if it is gone).
    func remove(_ peer: String) { lock.withLock { _ = peers.remove(peer) } }

    func deliver(_ outgoing: AltnetOutgoing) throws(OutboundQueueFull) -> Bool {
        let size = outgoing.messages.reduce(0) { $0 + $1.wireSize }
        lock.lock()
        defer { lock.unlock() }
        guard peers.contains(outgoing.peer) else { return false }
        var budget = budgets[outgoing.peer] ?? OutboundBudget(limit: limit)
        guard budget.take(size) else {
            throw OutboundQueueFull(peer: outgoing.peer, queued: budget.queued, size: size, limit: limit)
        }
        guard total.take(size) else {
            throw OutboundQueueFull(peer: "all peers", queued: total.queued, size: size, limit: total.limit)
        }
        budgets[outgoing.peer] = budget
        for message in outgoing.messages { queue.yield(CustomMessage(peer: outgoing.peer, message: message)) }
        return true
    }

    /// Sends what is queued until cancelled.
    func run(logger: Logger) async {
        await withTaskCancellationHandler {
            // A peer's failures are logged once until a send to it succeeds again (a peer that
            // left with a block's fragments queued would otherwise log each of them).
            var failing = Set<String>()
            for await message in stream {
                do {
                    _ = try await rpc.call("sendcustommsg", message.sendParams)
                    failing.remove(message.peer)
                } catch {
                    if failing.count < 10_000, failing.insert(message.peer).inserted {
                        logger.warning("sendcustommsg to \(message.peer.prefix(16)) failed: \(error) (further failures to it not logged until one succeeds)")
                    }
                }
                lock.withLock {
                    total.release(message.message.wireSize)
                    budgets[message.peer]?.release(message.message.wireSize)
                    if budgets[message.peer]?.queued == 0 { budgets[message.peer] = nil }
                }
            }
        } onCancel: { [queue] in
            queue.finish()
        }
    }
}
