import BIP324DriverCore
import BitcoinPrimitives
import DriverKit
import DriverProtocol
import Foundation
import NIOCore

/// The driver's connected peers and the `sendmessage` calls waiting for their replies. Called
/// from the event loops (peer events) and from the runner's tasks (core requests).
final class PeerRegistry: @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`; handlers run on their own loops.
    private struct Peer {
        var info: PeerInfo
        var ready: Bool
        /// The peer sent wtxidrelay: announce transactions by wtxid (BIP339).
        var wtxidRelay = false
        var send: @Sendable (String, [UInt8]) -> Void
        /// Closes the connection with a reason (`disconnectpeer`).
        var close: (@Sendable (String) -> Void)?
    }

    private struct Waiter {
        let id: UInt64
        let peer: String
        /// Which of the peer's messages answer this request (``ExpectedReply``).
        let expected: ExpectedReply
        let continuation: CheckedContinuation<DriverP2PMessage?, Never>
    }

    private let lock = NSLock()
    private var peers: [String: Peer] = [:]
    private var order: [String] = []
    private var waiters: [Waiter] = []
    private var nextWaiter: UInt64 = 0
    private var closing = false
    private var txStore = TxStore()
    let context: DriverContext

    init(context: DriverContext) { self.context = context }

    /// A connection exists (handshake not done yet).
    func added(_ info: PeerInfo, send: @escaping @Sendable (String, [UInt8]) -> Void,
               close: (@Sendable (String) -> Void)? = nil) {
        lock.withLock {
            peers[info.id] = Peer(info: info, ready: false, send: send, close: close)
            order.append(info.id)
        }
    }

    /// The peer finished version/verack: report it to the core, with the transport it is on and
    /// the start height its `version` announced (left out when negative: Core's default of -1
    /// for a version without one).
    func ready(_ id: String, wtxidRelay: Bool, transport: PeerInfo.WireTransport, startHeight: Int32) {
        let info: PeerInfo? = lock.withLock {
            peers[id]?.ready = true
            peers[id]?.info.transport = transport
            peers[id]?.info.startHeight = startHeight >= 0 ? Int(startHeight) : nil
            peers[id]?.wtxidRelay = wtxidRelay
            return peers[id]?.info
        }
        guard let info else { return }
        try? context.peerConnected(info)
    }

    /// Closes a peer's connection (`disconnectpeer`).
    /// - Returns: false when no such peer is connected.
    func disconnect(_ id: String, reason: String) -> Bool {
        guard let close = lock.withLock({ peers[id]?.close }) else { return false }
        close(reason)
        return true
    }

    /// From now on connections end because the driver is shutting down.
    func shutdown() { lock.withLock { closing = true } }

    /// The connection is gone; waiters on it get nothing, the core hears why.
    func removed(_ id: String, reason: String) {
        let (wasReady, orphans, closing): (Bool, [Waiter], Bool) = lock.withLock {
            let wasReady = peers.removeValue(forKey: id)?.ready ?? false
            order.removeAll { $0 == id }
            let orphans = waiters.filter { $0.peer == id }
            waiters.removeAll { $0.peer == id }
            return (wasReady, orphans, self.closing)
        }
        for waiter in orphans { waiter.continuation.resume(returning: nil) }
        if wasReady { try? context.peerDisconnected(id, reason: closing ? "driver shutting down" : reason) }
    }

    /// A checked message from a ready peer: the reply a `sendmessage` waits for, or a notification.
    func received(_ id: String, command: String, payload: [UInt8]) {
        var payload = payload
        // Only what the manifest declares reaches the core (anything else is a capability breach
        // there): getheaders/headers, getdata/block/notfound, tx. Gossip (inv, addr, getaddr,
        // sendcmpct, feefilter, ...) stays here.
        guard MessageKind.of(command: command) != nil else {
            context.logger.trace("peer \(id): \(LogText.escaped(command, limit: 12)) not passed on (not a declared message kind)")
            return
        }
        if command == "getdata", let listed = try? Inventory.decodeList(payload[...]) {
            let (request, repeats) = Inventory.unique(listed)
            if repeats > 0 {
                context.logger.info("peer \(id): getdata lists \(listed.count) items, \(repeats) of them repeats: each item served once")
            }
            // Transactions we announced are served here; the rest goes on to the core.
            let (txs, send, rest) = lock.withLock { () -> ([[UInt8]], (@Sendable (String, [UInt8]) -> Void)?, [Inventory]) in
                let (txs, rest) = txStore.serve(request)
                return (txs, peers[id]?.send, rest)
            }
            for tx in txs { send?("tx", tx) }
            if rest.isEmpty { return }
            var w = ByteWriter()
            Inventory.encodeList(rest, to: &w)
            payload = w.bytes
        }
        let message = DriverP2PMessage(command: command, payloadBytes: payload)
        let waiter = takeWaiter(answeredBy: command, payload: payload, from: id)
        if let waiter {
            waiter.continuation.resume(returning: message)
        } else {
            try? context.messageReceived(from: id, message)
        }
    }

    /// Removes and returns the oldest waiter on `id` whose request `payload` answers: a block,
    /// tx or notfound for its own inventory, headers following its own locator, its own pong.
    /// The message is read (outside the lock) only when some waiter on the peer expects its command.
    private func takeWaiter(answeredBy command: String, payload: [UInt8], from id: String) -> Waiter? {
        let expected = lock.withLock { waiters.contains { $0.peer == id && $0.expected.commands.contains(command) } }
        guard expected else { return nil }
        // PeerSession.check has parsed every block before it gets here.
        let reply = ReceivedReply(command: command, payload: payload, blockChecked: true)
        return lock.withLock {
            guard let index = waiters.firstIndex(where: { $0.peer == id && $0.expected.isAnswered(by: reply) }) else { return nil }
            return waiters.remove(at: index)
        }
    }

    /// Announces a transaction to every ready peer (inv by wtxid or txid) and keeps it to serve
    /// their `getdata`.
    /// - Returns: the peers it was announced to.
    func announce(_ tx: Transaction, bytes: [UInt8]) -> [String] {
        let targets: [(String, Bool, @Sendable (String, [UInt8]) -> Void)] = lock.withLock {
            txStore.add(tx, bytes: bytes)
            return order.compactMap { id in peers[id].flatMap { $0.ready ? (id, $0.wtxidRelay, $0.send) : nil } }
        }
        for (_, wtxid, send) in targets {
            var w = ByteWriter()
            let item = wtxid ? Inventory(type: .wtx, hash: tx.wtxid.hash) : Inventory(type: .tx, hash: tx.txid.hash)
            Inventory.encodeList([item], to: &w)
            send("inv", w.bytes)
        }
        return targets.map(\.0)
    }

    /// Ready peers, in connection order (with their start heights: ``ready(_:wtxidRelay:transport:startHeight:)``).
    func list() -> [PeerInfo] {
        lock.withLock { order.compactMap { peers[$0] }.filter(\.ready).map(\.info) }
    }

    /// Sends `message` to `peer`, or to a ready peer chosen at random (``PeerChoice``), and waits
    /// for the message of `expect` that answers it (``ExpectedReply``: its own block, tx,
    /// notfound, headers or pong).
    /// - Throws: ``DriverProtocolError``: `peerUnavailable` when the named peer is unknown or not
    ///   ready, when no peer is ready, or when the peer disconnects; `timeout` when no reply
    ///   arrives in time.
    func sendMessage(_ params: SendMessageParams) async throws(DriverProtocolError) -> SendMessageResult {
        let payload = try params.message.payloadBytes()
        // Without a named peer, one still in its handshake may become ready soon: wait up to half
        // the timeout. A named peer is used now or not at all (the core listed it as ready).
        let patience = ContinuousClock.now + .milliseconds(params.peer == nil ? max(0, params.timeoutMs) / 2 : 0)
        var chosen: (String, @Sendable (String, [UInt8]) -> Void)?
        while true {
            chosen = lock.withLock {
                let ready = order.filter { peers[$0]?.ready == true }
                guard let id = PeerChoice.pick(requested: params.peer, ready: ready), let peer = peers[id] else { return nil }
                return (id, peer.send)
            }
            if chosen != nil || ContinuousClock.now >= patience || Task.isCancelled { break }
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard let chosen else {
            let known = params.peer.map { id in lock.withLock { peers[id] != nil } } ?? false
            throw PeerChoice.unavailable(requested: params.peer, known: known, why: "its version handshake is not done")
        }
        let (id, send) = chosen
        guard !params.expect.isEmpty else {
            send(params.message.command, payload)
            return SendMessageResult(peer: id)
        }
        let expected = ExpectedReply(request: params.message.command, payload: payload, expect: params.expect)
        let waiterID: UInt64 = lock.withLock { nextWaiter += 1; return nextWaiter }
        let timeout = Duration.milliseconds(max(1, params.timeoutMs))
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.expire(waiterID)
        }
        defer { timer.cancel() }
        let reply: DriverP2PMessage? = await withCheckedContinuation { continuation in
            lock.withLock {
                waiters.append(Waiter(id: waiterID, peer: id, expected: expected, continuation: continuation))
            }
            send(params.message.command, payload)
        }
        guard let reply else {
            let connected = lock.withLock { peers[id] != nil }
            throw connected
                ? DriverProtocolError(.timeout, "peer \(id) sent no \(params.expect.joined(separator: "/")) answering this \(params.message.command) within \(params.timeoutMs) ms")
                : DriverProtocolError(.peerUnavailable, "peer \(id) disconnected before replying")
        }
        return SendMessageResult(peer: id, replies: [reply])
    }

    private func expire(_ waiterID: UInt64) {
        let waiter: Waiter? = lock.withLock {
            guard let index = waiters.firstIndex(where: { $0.id == waiterID }) else { return nil }
            return waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: nil)
    }
}
