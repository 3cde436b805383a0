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

    /// `broadcasttx`: a `tx` to every altnet peer whose queue takes it.
    /// - Throws: `invalidParams` for a transaction that is not hex or too large.
    public func broadcastTx(_ params: BroadcastTxParams, via carrier: some AltnetCarrier) throws(DriverProtocolError) -> BroadcastTxResult {
        let bytes = try Hex.decode(params.tx, field: "tx")
        let tx: AltnetMessage
        do throws(AltnetEncodingError) {
            tx = try AltnetMessage(command: "tx", payload: bytes)
        } catch {
            throw DriverProtocolError(.invalidParams, "\(error)")
        }
        var sent = 0
        var sentTo: [String] = []
        var refusals: [String] = []
        for outgoing in broadcast(tx) {
            do throws(OutboundQueueFull) {
                if try carrier.deliver(outgoing) {
                    sent += 1
                    sentTo.append(outgoing.peer)
                }
            } catch {
                refusals.append("\(error)")
            }
        }
        let reason = sent > 0 ? nil : refusals.first ?? "no altnet peer connected"
        return BroadcastTxResult(accepted: sent > 0, peers: sent, reason: reason, sentTo: sentTo)
    }
}
