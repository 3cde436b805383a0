import DriverKit
import DriverProtocol
import Foundation
import LightningAltnetMessages

/// One connected Lightning peer as the rest of the driver sees it: a byte-bounded queue of
/// plaintext Lightning messages (type and payload) for the connection's writer task, the
/// per-connection fragment numbering, and the requests waiting for a reply from this peer.
///
/// The queue counts the bytes enqueued and not yet handed to the socket. Altnet messages that
/// would take it past `queueLimit` are refused (``OutboundQueueFull``): a peer that stops reading
/// cannot make us hold more than the cap. Control messages (init, ping, pong) get
/// ``controlAllowance`` more; past that the peer is not reading at all and the link is dropped.
final class PeerLink: @unchecked Sendable {
    // @unchecked: mutable state (encoder, waiters, closed, queuedBytes, altnet) is guarded by
    // `lock`; the rest is immutable.
    let id: String
    let address: String?
    let direction: PeerInfo.Direction
    /// Bytes the queue may hold for altnet messages.
    let queueLimit: Int
    private let outgoing: AsyncStream<[UInt8]>.Continuation
    private let lock = NSLock()
    private var encoder = AltnetEncoder()
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    private var closed = false
    /// Bytes enqueued and not yet handed to the socket (the rule shared with the BIP324 driver).
    private var budget: OutboundBudget
    private var altnet = true
    /// Set once the peer's `init` arrived.
    private var initSeen = false
    /// When our unanswered ping went out.
    private var pingSent: ContinuousClock.Instant?
    /// Why a deadline ended the link (the reader only sees the socket close).
    private var deadlineMissed: LinkError?

    /// Room for control messages above `queueLimit` (a few maximum-size pongs).
    static let controlAllowance = 256 * 1024

    private struct Waiter {
        let id: Int
        /// Which of the peer's messages answer this request (``ExpectedReply``).
        let expected: ExpectedReply
        let continuation: CheckedContinuation<Result<AltnetMessage?, OutboundQueueFull>, Never>
    }

    /// - Parameters:
    ///   - id: the peer's node id (hex).
    ///   - address: its transport address.
    ///   - direction: who dialled.
    ///   - queueLimit: bytes of altnet messages the outbound queue may hold.
    ///   - outgoing: the connection writer's queue.
    init(id: String, address: String?, direction: PeerInfo.Direction, queueLimit: Int,
         outgoing: AsyncStream<[UInt8]>.Continuation) {
        self.id = id
        self.address = address
        self.direction = direction
        self.queueLimit = queueLimit
        self.budget = OutboundBudget(limit: queueLimit)
        self.outgoing = outgoing
    }

    /// The peer as listed to the core; `altnet` is false for a plain Lightning peer.
    var info: PeerInfo {
        PeerInfo(id: id, address: address, direction: direction, altnet: carriesAltnet)
    }

    /// False once the peer's `init` showed no altnet feature bit: it gets pings and pongs only.
    var carriesAltnet: Bool { lock.withLock { altnet } }

    /// Marks the peer as a plain Lightning peer (no altnet feature bit in its `init`).
    func markPlain() { lock.withLock { altnet = false } }

    /// The peer's `init` arrived (its deadline no longer applies).
    func markInitReceived() { lock.withLock { initSeen = true } }
    var initReceived: Bool { lock.withLock { initSeen } }

    /// Our ping went out at `at`; ``pongReceived()`` clears it.
    func pingSent(at: ContinuousClock.Instant) { lock.withLock { pingSent = at } }
    /// When our unanswered ping went out, if one is.
    var unansweredPingSince: ContinuousClock.Instant? { lock.withLock { pingSent } }
    func pongReceived() { lock.withLock { pingSent = nil } }

    /// Records which deadline ended the link, for the reason logged and reported.
    func missed(_ deadline: LinkError) { lock.withLock { deadlineMissed = deadline } }
    var missedDeadline: LinkError? { lock.withLock { deadlineMissed } }

    /// Bytes queued and not yet handed to the socket.
    var queuedBytes: Int { lock.withLock { budget.queued } }

    /// Queues a control message (type and payload): init, ping, pong.
    /// - Returns: false when the queue is over `queueLimit` plus ``controlAllowance``: the peer
    ///   stopped reading and the caller should drop the link.
    func sendRaw(_ message: [UInt8]) -> Bool {
        lock.withLock {
            guard budget.take(message.count, allowance: Self.controlAllowance) else { return false }
            outgoing.yield(message)
            return true
        }
    }

    /// Encodes and queues a P2P message (fragmented when larger than one Lightning message):
    /// all of its fragments or none.
    /// - Throws: ``OutboundQueueFull`` when the message does not fit under `queueLimit`.
    func send(_ message: AltnetMessage) throws(OutboundQueueFull) {
        let pieces = lock.withLock { encoder.encode(message) }.map(Self.wire)
        let size = pieces.reduce(0) { $0 + $1.count }
        // A refused message leaves a gap in the fragment ids, which the receiver does not mind.
        let refusal: OutboundQueueFull? = lock.withLock {
            guard budget.take(size) else {
                return OutboundQueueFull(peer: id, queued: budget.queued, size: size, limit: queueLimit)
            }
            for piece in pieces { outgoing.yield(piece) }
            return nil
        }
        if let refusal { throw refusal }
    }

    /// The writer handed `count` bytes of one queued message to the socket.
    func didWrite(_ count: Int) {
        lock.withLock { budget.release(count) }
    }

    /// Sends `message` and waits for the message from this peer that answers it: one of
    /// `expect`, and for getdata, getheaders and ping its own block, tx, notfound, headers or
    /// pong (``ExpectedReply``).
    /// - Returns: the reply, or nil on timeout or disconnection.
    /// - Throws: ``OutboundQueueFull`` when the request cannot be queued.
    func request(_ message: AltnetMessage, expect: Set<String>, timeout: Duration) async throws(OutboundQueueFull) -> AltnetMessage? {
        let expected = ExpectedReply(request: message.command, payload: message.payload, expect: expect)
        let id: Int = lock.withLock { nextWaiterID += 1; return nextWaiterID }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.resolve(id: id, with: .success(nil))
        }
        defer { timer.cancel() }
        let outcome = await withCheckedContinuation { continuation in
            let registered: Bool = lock.withLock {
                guard !closed else { return false }
                waiters.append(Waiter(id: id, expected: expected, continuation: continuation))
                return true
            }
            guard registered else { return continuation.resume(returning: .success(nil)) }
            do throws(OutboundQueueFull) {
                try send(message)
            } catch {
                resolve(id: id, with: .failure(error))
            }
        }
        return try outcome.get()
    }

    /// Hands a complete message to the oldest waiter whose request it answers. The message is
    /// read (outside the lock) only when some waiter expects its command.
    /// - Returns: true when a waiter took it.
    func deliver(_ message: AltnetMessage) -> Bool {
        let expected = lock.withLock { waiters.contains { $0.expected.commands.contains(message.command) } }
        guard expected else { return false }
        let reply = ReceivedReply(command: message.command, payload: message.payload)
        let waiter: Waiter? = lock.withLock {
            guard let index = waiters.firstIndex(where: { $0.expected.isAnswered(by: reply) }) else { return nil }
            return waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: .success(message))
        return waiter != nil
    }

    /// Ends the link: the writer stops and every waiter gets nil.
    func close() {
        let pending: [Waiter] = lock.withLock {
            closed = true
            defer { waiters.removeAll() }
            return waiters
        }
        outgoing.finish()
        for waiter in pending { waiter.continuation.resume(returning: .success(nil)) }
    }

    private func resolve(id: Int, with outcome: Result<AltnetMessage?, OutboundQueueFull>) {
        let waiter: Waiter? = lock.withLock {
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: outcome)
    }

    /// A Lightning message as the transport carries it: 2-byte type, then payload.
    static func wire(_ message: LightningMessage) -> [UInt8] {
        var bytes = [UInt8(truncatingIfNeeded: message.type >> 8), UInt8(truncatingIfNeeded: message.type)]
        bytes.append(contentsOf: message.payload)
        return bytes
    }
}

/// An altnet message refused because the peer's outbound queue would exceed its cap: the peer
/// reads more slowly than we send.
struct OutboundQueueFull: Error, CustomStringConvertible {
    let peer: String
    let queued: Int
    let size: Int
    let limit: Int

    var description: String {
        "outbound queue to \(peer.prefix(16)) is full: \(queued) bytes queued, \(size) more would pass the cap of \(limit) bytes (the peer reads too slowly)"
    }
}
