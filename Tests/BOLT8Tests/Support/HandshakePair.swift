import Secp256k1
@testable import BOLT8

/// Two in-process parties running the real handshake against each other.
struct HandshakePair {
    let initiatorKey: LocalNodeKey
    let responderKey: LocalNodeKey
    var initiator: BOLT8Transport
    var responder: BOLT8Transport

    /// Runs acts one to three between fresh keys (or the given ones).
    static func make(
        initiatorKey: LocalNodeKey = LocalNodeKey(privateKey: PrivateKey()),
        responderKey: LocalNodeKey = LocalNodeKey(privateKey: PrivateKey())
    ) async throws -> HandshakePair {
        var i = Handshake(role: .initiator(remoteStatic: responderKey.publicKey), localStatic: initiatorKey.publicKey)
        var r = Handshake(role: .responder, localStatic: responderKey.publicKey)
        _ = try await r.drive(try r.start(), nodeKey: responderKey)
        let act1 = try await i.drive(try i.start(), nodeKey: initiatorKey).bytesToSend
        let act2 = try await r.drive(try r.receive(act1), nodeKey: responderKey).bytesToSend
        let fromI = try await i.drive(try i.receive(act2), nodeKey: initiatorKey)
        let fromR = try await r.drive(try r.receive(fromI.bytesToSend), nodeKey: responderKey)
        guard let ti = fromI.transport, let tr = fromR.transport else {
            throw PeerFailure("in-process handshake did not complete")
        }
        return HandshakePair(initiatorKey: initiatorKey, responderKey: responderKey, initiator: ti, responder: tr)
    }
}
