import DriverProtocol
import Foundation
import LightningAltnetMessages
import LightningDriverCore

/// The driver's one ``AltnetSession`` under a lock, and the `sendmessage` requests waiting for
/// their replies (the session pairs a reply with its request by id; this resumes the waiter or
/// ends it at its timeout). Lock order: never held while a ``PeerLink``'s lock is taken.
final class AltnetHub: @unchecked Sendable {
    // @unchecked: `session` and `waiters` are guarded by `lock`.
    private typealias Waiter = CheckedContinuation<Result<AltnetMessage?, OutboundQueueFull>, Never>
    private let lock = NSLock()
    private var session = AltnetSession()
    private var waiters: [AltnetSession.RequestID: Waiter] = [:]

    /// Sets the reassembly limits, before any peer connects (`init`).
    func configure(limits: AltnetReassemblyLimits) {
        lock.withLock { session = AltnetSession(limits: limits) }
    }

    /// A peer's `init` arrived; see ``AltnetSession/connect(_:altnet:)``.
    func connect(_ peer: String, altnet: Bool) { lock.withLock { session.connect(peer, altnet: altnet) } }

    /// A peer's link ended: its waiting requests get no reply.
    func disconnect(_ peer: String) {
        let gone: [Waiter] = lock.withLock { session.disconnect(peer).compactMap { waiters.removeValue(forKey: $0) } }
        for waiter in gone { waiter.resume(returning: .success(nil)) }
    }

    func carriesAltnet(_ peer: String) -> Bool { lock.withLock { session.carriesAltnet(peer) } }

    /// See ``AltnetSession/choosePeer(_:using:)``.
    func choosePeer(_ requested: String?) throws(DriverProtocolError) -> String {
        let chosen: Result<String, DriverProtocolError> = lock.withLock {
            var rng = SystemRandomNumberGenerator()
            do throws(DriverProtocolError) { return .success(try session.choosePeer(requested, using: &rng)) } catch { return .failure(error) }
        }
        return try chosen.get()
    }

    func send(_ message: AltnetMessage, to peer: String) -> AltnetOutgoing? {
        lock.withLock { session.send(message, to: peer) }
    }

    func broadcast(_ message: AltnetMessage) -> [AltnetOutgoing] {
        lock.withLock { session.broadcast(message) }
    }

    /// A received altnet message; replies go to their waiters here.
    /// - Returns: the other events (messages for the core, drops, ignored messages).
    /// - Throws: the reassembler's protocol violation: close the link.
    func receive(_ message: LightningMessage, from peer: String) throws(AltnetMessageError) -> [AltnetSessionEvent] {
        let now = ContinuousClock.now
        let outcome: Result<([AltnetSessionEvent], [(Waiter, AltnetMessage)]), AltnetMessageError> = lock.withLock {
            do throws(AltnetMessageError) {
                var answered: [(Waiter, AltnetMessage)] = []
                let events = try session.receive(message, from: peer, now: now).filter { event in
                    guard case .reply(let id, let reply) = event else { return true }
                    if let waiter = waiters.removeValue(forKey: id) { answered.append((waiter, reply)) }
                    return false
                }
                return .success((events, answered))
            } catch {
                return .failure(error)
            }
        }
        let (events, answered) = try outcome.get()
        for (waiter, reply) in answered { waiter.resume(returning: .success(reply)) }
        return events
    }

    /// Expires one peer's partial messages; see ``AltnetSession/expire(_:now:)``.
    func expire(_ peer: String) -> [AltnetSessionEvent] {
        let now = ContinuousClock.now
        return lock.withLock { session.expire(peer, now: now) }
    }

    /// Sends `message` to `peer` through `deliver` and waits for the message that answers it.
    /// - Returns: the reply, or nil on timeout or disconnection (or when the peer does not carry
    ///   altnet any more).
    /// - Throws: ``OutboundQueueFull`` when `deliver` refuses the request's messages.
    func request(_ message: AltnetMessage, to peer: String, expect: Set<String>, timeout: Duration,
                 deliver: @escaping @Sendable ([LightningMessage]) throws(OutboundQueueFull) -> Void) async throws(OutboundQueueFull) -> AltnetMessage? {
        guard let (id, outgoing) = lock.withLock({ session.request(message, to: peer, expect: expect) }) else { return nil }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.resolve(id, with: .success(nil))
        }
        defer { timer.cancel() }
        let outcome = await withCheckedContinuation { (continuation: Waiter) in
            let registered: Bool = lock.withLock {
                guard session.isPending(id) else { return false }
                waiters[id] = continuation
                return true
            }
            guard registered else { return continuation.resume(returning: .success(nil)) }
            do throws(OutboundQueueFull) {
                try deliver(outgoing.messages)
            } catch {
                resolve(id, with: .failure(error))
            }
        }
        return try outcome.get()
    }

    private func resolve(_ id: AltnetSession.RequestID, with outcome: Result<AltnetMessage?, OutboundQueueFull>) {
        let waiter: Waiter? = lock.withLock {
            session.cancel(id)
            return waiters.removeValue(forKey: id)
        }
        waiter?.resume(returning: outcome)
    }
}
