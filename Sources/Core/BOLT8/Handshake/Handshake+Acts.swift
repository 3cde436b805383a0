import Crypto
import Secp256k1

// The three acts of BOLT 8's handshake ("Authenticated Key Exchange Handshake Specification").
// Each check names the error the spec's test vectors expect.
extension Handshake {
    /// Consumes whole acts from `pending` as far as the state allows.
    mutating func step() throws(BOLT8Error) -> [HandshakeEvent] {
        switch state {
        case .initiatorStart:
            throw .unexpectedStep("receive() called before start() on the initiator")
        case .initiatorAwaitingActTwo(var symmetric):
            guard pending.count >= Self.actTwoSize else { return [] }
            let act = pending[0..<Self.actTwoSize]
            let remoteEphemeral = try Self.parseVersionAndKey(act, act: 2)
            symmetric.mixHash(remoteEphemeral.serialized())
            let ee = try Self.ephemeralECDH(ephemeral, remoteEphemeral, act: 2)
            let tempK2 = symmetric.mixKey(ee)
            let tag = Array(act[34..<50])
            guard symmetric.decrypt(tag[...], key: tempK2, nonce: 0) != nil else { throw .badTag(act: 2) }
            symmetric.mixHash(tag)
            pending.removeFirst(Self.actTwoSize)
            state = .initiatorAwaitingStaticECDH(
                symmetric, tempK2: CipherKey(tempK2), remoteEphemeral: remoteEphemeral)
            return [.needStaticECDH(remoteEphemeral)]
        case .responderAwaitingActOne(var symmetric):
            guard pending.count >= Self.actOneSize else { return [] }
            let act = pending[0..<Self.actOneSize]
            let remoteEphemeral = try Self.parseVersionAndKey(act, act: 1)
            symmetric.mixHash(remoteEphemeral.serialized())
            let tag = Array(act[34..<50])
            pending.removeFirst(Self.actOneSize)
            state = .responderAwaitingStaticECDH(symmetric, remoteEphemeral: remoteEphemeral, tag: tag)
            return [.needStaticECDH(remoteEphemeral)]
        case .responderAwaitingActThree(var symmetric, let tempK2Box, _):
            let tempK2 = tempK2Box.key
            guard pending.count >= Self.actThreeSize else { return [] }
            let act = pending[0..<Self.actThreeSize]
            guard act[0] == 0 else { throw .badVersion(act: 3, version: act[0]) }
            let encryptedStatic = act[1..<50]
            guard let staticBytes = symmetric.decrypt(encryptedStatic, key: tempK2, nonce: 1) else {
                throw .badCiphertext(act: 3)
            }
            let remoteStatic: PublicKey
            do { remoteStatic = try PublicKey(serialized: staticBytes) } catch { throw .badPublicKey(act: 3) }
            symmetric.mixHash(Array(encryptedStatic))
            let se = try Self.ephemeralECDH(ephemeral, remoteStatic, act: 3)
            let tempK3 = symmetric.mixKey(se)
            guard symmetric.decrypt(act[50..<66], key: tempK3, nonce: 0) != nil else { throw .badTag(act: 3) }
            // Responder: rk, sk = HKDF(ck, zero-length).
            let (rk, sk) = NoiseHKDF.split(salt: symmetric.ck, inputKeyMaterial: [])
            pending.removeFirst(Self.actThreeSize)
            let transport = BOLT8Transport(
                remoteStatic: remoteStatic, sendingKey: sk, receivingKey: rk,
                chainingKey: symmetric.ck, buffered: pending)
            pending = []
            state = .done
            return [.complete(transport)]
        case .initiatorAwaitingStaticECDH, .responderAwaitingStaticECDH:
            return []  // bytes wait until the node key has answered
        case .done:
            throw .unexpectedStep("handshake already complete: feed the transport instead")
        case .failed(let error):
            throw error
        }
    }

    /// Continues the act that was waiting for the node's static ECDH.
    mutating func resumeStep(_ staticECDH: [UInt8]) throws(BOLT8Error) -> [HandshakeEvent] {
        guard staticECDH.count == 32 else {
            throw .nodeKeyFailed("ECDH result must be 32 bytes, got \(staticECDH.count)")
        }
        switch state {
        case .responderAwaitingStaticECDH(var symmetric, let remoteEphemeral, let tag):
            // Act one, finished: es = ECDH(s, e_i).
            let tempK1 = symmetric.mixKey(staticECDH)
            guard symmetric.decrypt(tag[...], key: tempK1, nonce: 0) != nil else { throw .badTag(act: 1) }
            symmetric.mixHash(tag)
            // Act two: our ephemeral, ee = ECDH(e_r, e_i).
            let ephemeralPublic = ephemeral.publicKey.serialized()
            symmetric.mixHash(ephemeralPublic)
            let ee = try Self.ephemeralECDH(ephemeral, remoteEphemeral, act: 2)
            let tempK2 = symmetric.mixKey(ee)
            let c = symmetric.encrypt([], key: tempK2, nonce: 0)
            symmetric.mixHash(c)
            state = .responderAwaitingActThree(
                symmetric, tempK2: CipherKey(tempK2), remoteEphemeral: remoteEphemeral)
            return [.send([0] + ephemeralPublic + c)] + (try step())
        case .initiatorAwaitingStaticECDH(var symmetric, let tempK2Box, _):
            let tempK2 = tempK2Box.key
            // Act three: encrypt our static key, then se = ECDH(s, e_r).
            let c = symmetric.encrypt(localStatic.serialized(), key: tempK2, nonce: 1)
            symmetric.mixHash(c)
            let tempK3 = symmetric.mixKey(staticECDH)
            let t = symmetric.encrypt([], key: tempK3, nonce: 0)
            // Initiator: sk, rk = HKDF(ck, zero-length).
            let (sk, rk) = NoiseHKDF.split(salt: symmetric.ck, inputKeyMaterial: [])
            guard let remoteStatic = remoteStaticExpected else {
                throw .unexpectedStep("initiator without a remote node id")
            }
            let transport = BOLT8Transport(
                remoteStatic: remoteStatic, sendingKey: sk, receivingKey: rk,
                chainingKey: symmetric.ck, buffered: pending)
            pending = []
            state = .done
            return [.send([0] + c + t), .complete(transport)]
        case .failed(let error):
            throw error
        default:
            throw .unexpectedStep("resume(staticECDH:) called when no ECDH was requested")
        }
    }

    /// Act one: `e`, `es`; returns the 50 bytes to send.
    static func makeActOne(
        _ symmetric: inout SymmetricState, ephemeral: PrivateKey, remoteStatic: PublicKey
    ) throws(BOLT8Error) -> [UInt8] {
        let ephemeralPublic = ephemeral.publicKey.serialized()
        symmetric.mixHash(ephemeralPublic)
        let es = try ephemeralECDH(ephemeral, remoteStatic, act: 1)
        let tempK1 = symmetric.mixKey(es)
        let c = symmetric.encrypt([], key: tempK1, nonce: 0)
        symmetric.mixHash(c)
        return [0] + ephemeralPublic + c
    }

    /// Checks the version byte and parses the 33-byte compressed key of act one or two.
    static func parseVersionAndKey(_ act: ArraySlice<UInt8>, act number: Int) throws(BOLT8Error) -> PublicKey {
        let start = act.startIndex
        guard act[start] == 0 else { throw .badVersion(act: number, version: act[start]) }
        let keyBytes = act[(start + 1)..<(start + 34)]
        guard keyBytes.first == 0x02 || keyBytes.first == 0x03 else { throw .badPublicKey(act: number) }
        do { return try PublicKey(serialized: keyBytes) } catch { throw .badPublicKey(act: number) }
    }

    /// ECDH with our ephemeral key (local, no node key involved).
    static func ephemeralECDH(_ key: PrivateKey, _ point: PublicKey, act: Int) throws(BOLT8Error) -> [UInt8] {
        do { return try ECDH.sha256Compressed(privateKey: key, publicKey: point) } catch {
            throw .badPublicKey(act: act)
        }
    }
}
