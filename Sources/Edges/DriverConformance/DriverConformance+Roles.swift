import Altstack
import BitcoinPrimitives
import DriverProtocol

extension DriverConformance {
    /// Requests a driver that does not declare `send` cannot answer: the core never sends them to
    /// a broadcast feed (docs/driver-protocol.md, "Capability combinations").
    static let sendingMethods: Set<String> = [Methods.sendMessage, Methods.broadcastTx, Methods.disconnectPeer]

    /// `role`: each capability combination is held to what it declares, over everything the
    /// session saw (so it runs after the other checks):
    /// - feed (`receive` only): the suite sent it none of ``sendingMethods``, and everything it
    ///   pushed is a `headers` or `block` of its declared kinds whose payload decodes as one;
    /// - send-only: it delivered no `messagereceived` (it declared it receives nothing);
    /// - two-way: nothing beyond the exchange checks.
    static func checkRole(
        _ session: ConformanceSession, capabilities: TransportCapabilities?, record: (ConformanceCheck, Bool, String) -> Void
    ) {
        guard let capabilities else {
            record(.role, false, "not run: no manifest")
            return
        }
        let delivered = session.allFrames.compactMap { frame -> DriverP2PMessage? in
            guard case .notification(Methods.messageReceived) = frame.kind else { return nil }
            return try? frame.params(as: MessageReceived.self).message
        }
        switch capabilities.role {
        case .feed:
            let sent = session.methodsSent.intersection(sendingMethods)
            guard sent.isEmpty else {
                record(.role, false, "feed (receive only) was sent \(sent.sorted().joined(separator: ", ")), which it cannot answer")
                return
            }
            let bad = delivered.filter { message in
                guard ["headers", "block"].contains(message.command), capabilities.permits(command: message.command) else { return true }
                return !Self.decodes(message)
            }
            if let first = bad.first {
                record(.role, false, "feed pushed \(bad.count) message(s) that are not headers or blocks of its kinds; first: \(first.command)")
            } else {
                record(.role, true, "feed (receive only): sent no requests it cannot answer; pushed \(delivered.count) message(s), all \(capabilities.messageKinds.sorted().map(\.rawValue).joined(separator: "/"))")
            }
        case .sendOnly:
            record(.role, delivered.isEmpty, delivered.isEmpty ? "send-only: delivered nothing unsolicited"
                : "send-only, yet delivered \(delivered.count) messagereceived (it declared it receives nothing)")
        case .twoWay:
            record(.role, true, "two-way: asked with requests of its kinds (see headers-exchange, peer-addressing)")
        }
    }

    /// Whether a pushed `headers` or `block` payload is one: a CompactSize count of 81-byte
    /// entries, or at least an 80-byte header and a transaction count.
    static func decodes(_ message: DriverP2PMessage) -> Bool {
        guard let bytes = try? message.payloadBytes() else { return false }
        if message.command == "block" { return bytes.count > 80 }
        guard let count = headerCount(hexPayload: message.payload) else { return false }
        let prefix = count < 0xfd ? 1 : 3
        return count <= 2_000 && bytes.count == prefix + 81 * count
    }
}
