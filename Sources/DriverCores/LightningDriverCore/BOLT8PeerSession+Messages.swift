import BOLT8
import LightningAltnetMessages

// BOLT 1 on an open link: init first, then ping/pong, error, warning, and custom messages; and
// the deadlines that the caller's timer asks about.
extension BOLT8PeerSession {
    /// The deadlines at `now`: the peer's `init` after the handshake, the pong to our ping, and
    /// our next keep-alive ping once `init` is in.
    /// - Parameter now: the caller's clock.
    /// - Returns: what to do; after ``BOLT8KeepAlive/disconnect(_:)`` the session is closed.
    public mutating func tick(now: Instant) -> BOLT8KeepAlive {
        if let failure { return .disconnect(failure) }
        guard let handshakenAt, let lastPing else { return .wait }
        if !initReceived, now - handshakenAt >= settings.initTimeout {
            return .disconnect(fail(.noInit(settings.initTimeout)))
        }
        if let sent = unansweredPingSince, now - sent >= settings.pongTimeout {
            return .disconnect(fail(.pongTimeout(settings.pongTimeout)))
        }
        guard initReceived, unansweredPingSince == nil, now - lastPing >= settings.pingInterval else { return .wait }
        self.lastPing = now
        do throws(LinkError) {
            try sendControl(.ping(Ping(numPongBytes: 4)))
        } catch {
            return .disconnect(error)
        }
        unansweredPingSince = now
        return .pinged
    }

    /// One decrypted message.
    func decodeBOLT1(_ bytes: [UInt8]) throws(LinkError) -> BOLT1Message {
        do throws(LightningMessageError) {
            return try BOLT1Message.decode(bytes, understoodCustomTypes: Self.understoodCustomTypes)
        } catch {
            if case .unknownEvenType(let type) = error {
                throw .protocolViolation("unknown even message type \(type): closing (BOLT 1)")
            }
            throw .protocolViolation("malformed message: \(error)")
        }
    }

    mutating func handle(_ bytes: [UInt8], now: Instant) throws(LinkError) -> [BOLT8PeerEvent] {
        let message = try decodeBOLT1(bytes)
        guard initReceived else {
            guard case .initMessage(let theirs) = message else { throw .firstMessageNotInit(message.type) }
            if let networks = theirs.networks, !networks.contains(settings.chainHash) { throw .wrongChain }
            initReceived = true
            let altnet = AltnetFeature.isAdvertised(in: theirs.features) || AltnetFeature.isAdvertised(in: theirs.globalFeatures)
            return [.ready(altnet: altnet)]
        }
        switch message {
        case .initMessage:
            return [.ignored("ignored a second init")]
        case .ping(let ping):
            return try answer(ping, now: now)
        case .pong:
            unansweredPingSince = nil
            return []
        case .error(let error):
            throw .peerError(error.text)
        case .warning(let warning):
            return [.peerWarning(warning.text)]
        case .ignored(let type):
            return [.ignored("ignored unknown odd message type \(type)")]
        case .custom(let type, let payload):
            return [.message(LightningMessage(type: type, payload: payload))]
        }
    }

    /// Answers a ping (BOLT 1: unless it asks for 65,532 bytes or more), at most
    /// ``pongsPerSecond`` a second.
    mutating func answer(_ ping: Ping, now: Instant) throws(LinkError) -> [BOLT8PeerEvent] {
        if let window = pongWindow, now - window < .seconds(1) {
            // same window
        } else {
            pongWindow = now
            pongsInWindow = 0
            floodReported = false
        }
        guard pongsInWindow < Self.pongsPerSecond else {
            guard !floodReported else { return [] }
            floodReported = true
            return [.pingFlood]
        }
        guard let pong = ping.response else { return [] }
        pongsInWindow += 1
        try sendControl(.pong(pong))
        return []
    }
}
