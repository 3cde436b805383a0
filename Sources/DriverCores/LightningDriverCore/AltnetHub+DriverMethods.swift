import BitcoinPrimitives
import DriverKit
import DriverProtocol
import LightningAltnetMessages

// The driver protocol's `sendmessage` and `broadcasttx` over any carrier: the same peer choice,
// errors and reply waiting whether a BOLT 8 link or Core Lightning carries the messages.
extension AltnetHub {
    /// `sendmessage`: to the named altnet peer, or one at random; with `expect`, waits for the
    /// reply (``request(_:to:expect:timeout:via:)``).
    /// - Throws: `peerUnavailable` (no such altnet peer, a full queue), `invalidParams` (payload,
    ///   command), `timeout` (no reply in `timeout_ms`).
    public func sendMessage(_ params: SendMessageParams, via carrier: some AltnetCarrier) async throws(DriverProtocolError) -> SendMessageResult {
        let peer = try choosePeer(params.peer)
        let payload = try params.message.payloadBytes()
        let message: AltnetMessage
        do throws(AltnetEncodingError) {
            message = try AltnetMessage(command: params.message.command, payload: payload)
        } catch {
            throw DriverProtocolError(.invalidParams, "\(error)")
        }
        guard !params.expect.isEmpty else {
            guard let outgoing = send(message, to: peer) else { throw PeerChoice.unavailable(requested: peer) }
            let delivered: Bool
            do throws(OutboundQueueFull) {
                delivered = try carrier.deliver(outgoing)
            } catch {
                throw DriverProtocolError(.peerUnavailable, "\(error)")
            }
            guard delivered else { throw PeerChoice.unavailable(requested: peer) }
            return SendMessageResult(peer: peer)
        }
        let answer: AltnetMessage?
        do throws(OutboundQueueFull) {
            answer = try await request(message, to: peer, expect: Set(params.expect),
                                       timeout: .milliseconds(max(params.timeoutMs, 1)), via: carrier)
        } catch {
            throw DriverProtocolError(.peerUnavailable, "\(error)")
        }
        guard let reply = answer else {
            throw DriverProtocolError(.timeout, "no \(params.expect.joined(separator: "/")) from \(peer.prefix(16)) within \(params.timeoutMs) ms")
        }
        return SendMessageResult(
            peer: peer, replies: [DriverP2PMessage(command: reply.command, payloadBytes: reply.payload)])
    }

    /// `broadcasttx`: a `tx` to every altnet peer whose queue takes it, then up to
    /// ``txAckTimeout`` for each of those peers' acknowledgement (``TxAcknowledgement``): an
    /// `inv` naming the transaction's wtxid. Each peer's acknowledgement is waited for as a
    /// request's reply, so one `inv` settles one peer's wait and later ones are ignored.
    /// - Returns: `sent_to` the peers that took it, `acked_by` those that acknowledged it.
    /// - Throws: `invalidParams` for a transaction that is not hex or too large.
    public func broadcastTx(_ params: BroadcastTxParams, via carrier: some AltnetCarrier) async throws(DriverProtocolError) -> BroadcastTxResult {
        let bytes = try Hex.decode(params.tx, field: "tx")
        let tx: AltnetMessage
        do throws(AltnetEncodingError) {
            tx = try AltnetMessage(command: "tx", payload: bytes)
        } catch {
            throw DriverProtocolError(.invalidParams, "\(error)")
        }
        let peers = altnetPeers
        let timeout = txAckTimeout
        let outcomes = await withTaskGroup(of: (String, Exchange).self) { group in
            for peer in peers {
                group.addTask {
                    (peer, await self.exchange(tx, to: peer, expect: [TxAcknowledgement.command], timeout: timeout, via: carrier))
                }
            }
            var all: [String: Exchange] = [:]
            for await (peer, outcome) in group { all[peer] = outcome }
            return all
        }
        var sentTo: [String] = []
        var ackedBy: [String] = []
        var refusals: [String] = []
        for peer in peers {
            switch outcomes[peer] {
            case .sent(let reply):
                sentTo.append(peer)
                if reply != nil { ackedBy.append(peer) }
            case .refused(let full): refusals.append("\(full)")
            case .notSent, nil: break
            }
        }
        let reason = sentTo.isEmpty ? refusals.first ?? "no altnet peer connected" : nil
        return BroadcastTxResult(accepted: !sentTo.isEmpty, peers: sentTo.count, reason: reason, sentTo: sentTo, ackedBy: ackedBy)
    }
}
