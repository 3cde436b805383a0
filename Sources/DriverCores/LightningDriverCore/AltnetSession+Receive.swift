import BitcoinPrimitives
import DriverKit
import DriverProtocol
import LightningAltnetMessages

// Receiving: reassembly and the capability check, then reply pairing. ``receive(_:from:now:)``
// does both; a caller that shares the session between threads (``AltnetHub``) runs them as two
// steps so that reading a reply's payload (a whole block, for a getdata) happens outside its lock.
extension AltnetSession {
    /// Takes one altnet-typed Lightning message from `peer`.
    /// - Parameters:
    ///   - message: type and payload as the carrier delivered them.
    ///   - peer: who sent it.
    ///   - now: the caller's clock (reassembly deadlines).
    /// - Returns: what it produced, in order: messages dropped by their deadline or the limits,
    ///   then a completed message (a reply or a `messagereceived`); empty while fragments buffer.
    /// - Throws: ``AltnetMessageError`` with action ``AltnetMessageError/Action/disconnect``: the
    ///   peer broke the format; close its link.
    public mutating func receive(_ message: LightningMessage, from peer: String,
                                 now: Instant) throws(AltnetMessageError) -> [AltnetSessionEvent] {
        var (events, complete) = try reassemble(message, from: peer, now: now)
        guard let complete else { return events }
        let reply = awaits(complete.command, from: peer) ? ReceivedReply(command: complete.command, payload: complete.payload) : nil
        let event = deliver(complete, reply: reply, from: peer)
        events.append(event)
        if let ack = acknowledgement(for: event) { events.append(.acknowledge(ack)) }
        return events
    }

    /// The acknowledgement a delivered event calls for: for a `tx` that went to the core (not a
    /// reply) and parses, one ``TxAcknowledgement`` to its sender.
    public mutating func acknowledgement(for event: AltnetSessionEvent) -> AltnetOutgoing? {
        guard case .received(let peer, let message) = event, message.command == "tx",
              let payload = try? message.payloadBytes(), let ack = TxAcknowledgement.message(for: payload)
        else { return nil }
        return send(ack, to: peer)
    }

    /// Step one of ``receive(_:from:now:)``: the capability check and reassembly.
    /// - Returns: the events so far (drops, ignored messages) and the message completed, if any,
    ///   for ``deliver(_:reply:from:)``.
    /// - Throws: as ``receive(_:from:now:)``.
    public mutating func reassemble(_ message: LightningMessage, from peer: String,
                                    now: Instant) throws(AltnetMessageError) -> (events: [AltnetSessionEvent], complete: AltnetMessage?) {
        guard let altnet = peers[peer]?.altnet else {
            return ([.ignored("ignored altnet message type \(message.type) from a peer that is not connected")], nil)
        }
        guard altnet else {
            return ([.ignored("ignored altnet message type \(message.type) from a peer that did not advertise altnet")], nil)
        }
        // Deadlines first, so a fragment arriving after its message's deadline is discarded
        // even when the carrier's timer has not run yet.
        let events = peers[peer]!.reassembler.expire(now: now).map { AltnetSessionEvent.dropped(peer: peer, $0) }
        let outcome: AltnetReassembler<Instant>.Outcome
        do throws(AltnetMessageError) {
            outcome = try peers[peer]!.reassembler.receive(message, now: now)
        } catch {
            guard error.action == .dropMessage else { throw error }
            return (events + [.dropped(peer: peer, error)], nil)
        }
        guard case .complete(let complete) = outcome else { return (events, nil) }
        return (events, complete)
    }

    /// Whether a request to `peer` waits for a `command`: only then is the payload worth reading
    /// (``ReceivedReply``) before ``deliver(_:reply:from:)``.
    public func awaits(_ command: String, from peer: String) -> Bool {
        pending.contains { $0.peer == peer && $0.expected.commands.contains(command) }
    }

    /// Step two: a complete message goes to the oldest request to `peer` that it answers, or
    /// else to the core.
    /// - Parameters:
    ///   - message: the message ``reassemble(_:from:now:)`` completed.
    ///   - reply: the message read as a reply; nil when no request awaited its command.
    ///   - peer: who sent it.
    /// - Returns: ``AltnetSessionEvent/reply(_:_:)`` or ``AltnetSessionEvent/received(from:_:)``;
    ///   ``AltnetSessionEvent/ignored(_:)`` for an `inv` (an acknowledgement) no request awaits.
    public mutating func deliver(_ message: AltnetMessage, reply: ReceivedReply?, from peer: String) -> AltnetSessionEvent {
        if let reply, let index = pending.firstIndex(where: { $0.peer == peer && $0.expected.isAnswered(by: reply) }) {
            return .reply(pending.remove(at: index).id, message)
        }
        if message.command == TxAcknowledgement.command {
            return .ignored("ignored an inv (acknowledgement) from \(peer.prefix(16)) that no broadcasttx waits for")
        }
        return .received(from: peer, DriverP2PMessage(command: message.command, payloadBytes: message.payload))
    }
}
