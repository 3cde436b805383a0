import DriverKit
import DriverProtocol
import Foundation
import LightningAltnetMessages

/// A driver's one ``AltnetSession`` shared by its carrier's links and its requests: the session
/// under a lock, and the `sendmessage` requests waiting for their replies (the session pairs a
/// reply with its request by id; this resumes the waiter, or ends it at its timeout). Every
/// carrier uses it the same way; the clock is the injected `sleep`. Lock order: the carrier
/// never holds its own link's lock while calling in here.
public final class AltnetHub: @unchecked Sendable {
    // @unchecked: `session`, `waiters` and `ackTimeout` are guarded by `lock`; `sleep` is immutable.
    private typealias Waiter = CheckedContinuation<Result<AltnetMessage?, OutboundQueueFull>, Never>
    private let lock = NSLock()
    private var session = AltnetSession()
    private var waiters: [AltnetSession.RequestID: Waiter] = [:]
    private let sleep: @Sendable (Duration) async -> Void
    /// How long `broadcasttx` waits for acknowledgements (``txAckTimeout``).
    private var ackTimeout: Duration

    /// - Parameters:
    ///   - txAckTimeout: how long `broadcasttx` waits for acknowledgements (it returns sooner
    ///     when every peer it sent to has acknowledged).
    ///   - sleep: waits out a request's timeout (returns early only when cancelled).
    public init(txAckTimeout: Duration = .seconds(2),
                sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }) {
        self.ackTimeout = txAckTimeout
        self.sleep = sleep
    }

    /// Sets the reassembly limits and the acknowledgement wait, before any peer connects (`init`).
    public func configure(limits: AltnetReassemblyLimits, txAckTimeout: Duration = .seconds(2)) {
        lock.withLock {
            session = AltnetSession(limits: limits)
            ackTimeout = txAckTimeout
        }
    }

    /// How long `broadcasttx` waits for its peers' acknowledgements (``TxAcknowledgement``).
    public var txAckTimeout: Duration { lock.withLock { ackTimeout } }

    /// A peer's `init` arrived; see ``AltnetSession/connect(_:altnet:)``.
    public func connect(_ peer: String, altnet: Bool) { lock.withLock { session.connect(peer, altnet: altnet) } }

    /// A peer's link ended: its waiting requests get no reply.
    public func disconnect(_ peer: String) {
        let gone: [Waiter] = lock.withLock { session.disconnect(peer).compactMap { waiters.removeValue(forKey: $0) } }
        for waiter in gone { waiter.resume(returning: .success(nil)) }
    }

    /// Whether `peer` is connected and advertised altnet.
    public func carriesAltnet(_ peer: String) -> Bool { lock.withLock { session.carriesAltnet(peer) } }

    /// See ``AltnetSession/choosePeer(_:using:)``.
    public func choosePeer(_ requested: String?) throws(DriverProtocolError) -> String {
        let chosen: Result<String, DriverProtocolError> = lock.withLock {
            var rng = SystemRandomNumberGenerator()
            do throws(DriverProtocolError) { return .success(try session.choosePeer(requested, using: &rng)) } catch { return .failure(error) }
        }
        return try chosen.get()
    }

    /// See ``AltnetSession/send(_:to:)``.
    public func send(_ message: AltnetMessage, to peer: String) -> AltnetOutgoing? {
        lock.withLock { session.send(message, to: peer) }
    }

    /// The connected altnet peers (``AltnetSession/altnetPeers``).
    public var altnetPeers: [String] { lock.withLock { session.altnetPeers } }

    /// See ``AltnetSession/broadcast(_:)``.
    public func broadcast(_ message: AltnetMessage) -> [AltnetOutgoing] {
        lock.withLock { session.broadcast(message) }
    }

    /// A received altnet message; replies go to their waiters here. A completed message's payload
    /// is read (a whole block, for a getdata) outside the lock, and only when a request to that
    /// peer awaits its command.
    /// - Returns: the other events (messages for the core, drops, ignored messages).
    /// - Throws: the reassembler's protocol violation: close the link.
    public func receive(_ message: LightningMessage, from peer: String, now: ContinuousClock.Instant) throws(AltnetMessageError) -> [AltnetSessionEvent] {
        typealias Step = (events: [AltnetSessionEvent], complete: AltnetMessage?, awaited: Bool)
        let step: Result<Step, AltnetMessageError> = lock.withLock {
            do throws(AltnetMessageError) {
                let (events, complete) = try session.reassemble(message, from: peer, now: now)
                return .success((events, complete, complete.map { session.awaits($0.command, from: peer) } ?? false))
            } catch {
                return .failure(error)
            }
        }
        var (events, complete, awaited) = try step.get()
        guard let complete else { return events }
        let reply = awaited ? ReceivedReply(command: complete.command, payload: complete.payload) : nil
        let (event, waiter, ack): (AltnetSessionEvent, Waiter?, AltnetOutgoing?) = lock.withLock {
            let event = session.deliver(complete, reply: reply, from: peer)
            guard case .reply(let id, _) = event else { return (event, nil, session.acknowledgement(for: event)) }
            return (event, waiters.removeValue(forKey: id), nil)
        }
        if case .reply(_, let answer) = event {
            waiter?.resume(returning: .success(answer))
        } else {
            events.append(event)
        }
        if let ack { events.append(.acknowledge(ack)) }
        return events
    }

    /// Expires one peer's partial messages; see ``AltnetSession/expire(_:now:)``.
    public func expire(_ peer: String, now: ContinuousClock.Instant) -> [AltnetSessionEvent] {
        return lock.withLock { session.expire(peer, now: now) }
    }

    /// Sends `message` to `peer` through `carrier` and waits for the message that answers it.
    /// - Returns: the reply, or nil on timeout or disconnection (or when the peer does not carry
    ///   altnet, or the carrier has no link to it, any more).
    /// - Throws: ``OutboundQueueFull`` when the carrier refuses the request's messages.
    public func request(_ message: AltnetMessage, to peer: String, expect: Set<String>, timeout: Duration,
                        via carrier: some AltnetCarrier) async throws(OutboundQueueFull) -> AltnetMessage? {
        switch await exchange(message, to: peer, expect: expect, timeout: timeout, via: carrier) {
        case .notSent: return nil
        case .refused(let full): throw full
        case .sent(let reply): return reply
        }
    }

    /// How one ``exchange(_:to:expect:timeout:via:)`` went.
    enum Exchange: Sendable {
        /// The peer does not carry altnet, or the carrier has no link to it.
        case notSent
        /// The carrier refused the messages.
        case refused(OutboundQueueFull)
        /// Delivered to the carrier; the reply, or nil on timeout or disconnection.
        case sent(reply: AltnetMessage?)
    }

    /// ``request(_:to:expect:timeout:via:)``, telling a request never sent from one not answered.
    func exchange(_ message: AltnetMessage, to peer: String, expect: Set<String>, timeout: Duration,
                  via carrier: some AltnetCarrier) async -> Exchange {
        guard let (id, outgoing) = lock.withLock({ session.request(message, to: peer, expect: expect) }) else { return .notSent }
        let sleep = self.sleep
        let timer = Task { [weak self] in
            await sleep(timeout)
            guard !Task.isCancelled else { return }
            self?.resolve(id, with: .success(nil))
        }
        defer { timer.cancel() }
        var delivered = false
        let outcome = await withCheckedContinuation { (continuation: Waiter) in
            let registered: Bool = lock.withLock {
                guard session.isPending(id) else { return false }
                waiters[id] = continuation
                return true
            }
            guard registered else { return continuation.resume(returning: .success(nil)) }
            do throws(OutboundQueueFull) {
                delivered = try carrier.deliver(outgoing)
                if !delivered { resolve(id, with: .success(nil)) }
            } catch {
                resolve(id, with: .failure(error))
            }
        }
        switch outcome {
        case .failure(let full): return .refused(full)
        case .success(let reply): return delivered ? .sent(reply: reply) : .notSent
        }
    }

    private func resolve(_ id: AltnetSession.RequestID, with outcome: Result<AltnetMessage?, OutboundQueueFull>) {
        let waiter: Waiter? = lock.withLock {
            session.cancel(id)
            return waiters.removeValue(forKey: id)
        }
        waiter?.resume(returning: outcome)
    }
}
