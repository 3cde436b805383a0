import Crypto
import Secp256k1

/// The BOLT 8 handshake (Noise_XK_secp256k1_ChaChaPoly_SHA256, prologue "lightning") as a pure
/// state machine: bytes in, ``HandshakeEvent``s out, no I/O and no clock.
///
/// The node's static private key is never here. The one ECDH that needs it is *asked for* with
/// ``HandshakeEvent/needStaticECDH(_:)``; the caller computes it through its
/// ``NodeKeyAgreement`` (possibly in another process) and resumes with
/// ``resume(staticECDH:)``. Ephemeral ECDH is done here, with an injected ephemeral key.
///
/// ```
///  initiator                                          responder
///  ─────────                                          ─────────
///  start() ── send act 1 (50 B) ──────────────────►   start(): awaitingActOne
///  awaitingActTwo                                     receive(50 B): check version, key
///                                                     ── needStaticECDH(e_i) ──► node key
///                                                     awaitingStaticECDH
///                                                     resume(es): check tag
///  receive(50 B) ◄──────────────── send act 2 (50 B)  ── awaitingActThree
///  check version, key, tag (ee)
///  ── needStaticECDH(e_r) ──► node key
///  awaitingStaticECDH
///  resume(se) ── send act 3 (66 B), complete ──────►  receive(66 B): decrypt s_i, tags (se)
///  done                                               complete; done
///
///  any state ── peer bytes that fail a check ──► failed(error)   (every later call throws it)
/// ```
public struct Handshake: Sendable {
    /// Which side of the connection we are.
    public enum Role: Sendable {
        /// We connect to `remoteStatic` (the node id we expect).
        case initiator(remoteStatic: PublicKey)
        /// We accept; the initiator's static key is learnt in act three.
        case responder
    }

    /// Act sizes (BOLT 8): version, 33-byte key, 16-byte tag; act three carries the encrypted
    /// 33-byte static key with its tag, then a tag.
    static let actOneSize = 50
    static let actTwoSize = 50
    static let actThreeSize = 66
    /// The most peer input held before the handshake completes: act three plus two maximal
    /// transport packets that may follow it in the same read. A peer cannot legitimately send
    /// more before it has heard from us, so more is refused rather than buffered.
    public static let maxPendingInput = actThreeSize + 2 * (18 + 65_535 + 16)

    enum State: Sendable {
        case initiatorStart(SymmetricState)
        case initiatorAwaitingActTwo(SymmetricState)
        case initiatorAwaitingStaticECDH(SymmetricState, tempK2: CipherKey, remoteEphemeral: PublicKey)
        case responderAwaitingActOne(SymmetricState)
        case responderAwaitingStaticECDH(SymmetricState, remoteEphemeral: PublicKey, tag: [UInt8])
        case responderAwaitingActThree(SymmetricState, tempK2: CipherKey, remoteEphemeral: PublicKey)
        case done
        case failed(BOLT8Error)
    }

    var state: State
    /// Peer bytes received but not yet consumed by an act.
    var pending: [UInt8] = []
    let localStatic: PublicKey
    let ephemeral: PrivateKey
    let remoteStaticExpected: PublicKey?

    /// - Parameters:
    ///   - role: initiator (with the node id we dial) or responder.
    ///   - localStatic: our node id (the public half of the ``NodeKeyAgreement``).
    ///   - ephemeral: this handshake's ephemeral key; fresh randomness unless a test injects one.
    public init(role: Role, localStatic: PublicKey, ephemeral: PrivateKey = PrivateKey()) {
        self.localStatic = localStatic
        self.ephemeral = ephemeral
        switch role {
        case .initiator(let remoteStatic):
            remoteStaticExpected = remoteStatic
            state = .initiatorStart(SymmetricState(responderStatic: remoteStatic))
        case .responder:
            remoteStaticExpected = nil
            state = .responderAwaitingActOne(SymmetricState(responderStatic: localStatic))
        }
    }

    /// Whether the handshake has finished successfully.
    public var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    /// Starts the handshake: the initiator gets act one to send, the responder nothing.
    /// - Throws: ``BOLT8Error/unexpectedStep(_:)`` if called twice.
    public mutating func start() throws(BOLT8Error) -> [HandshakeEvent] {
        switch state {
        case .initiatorStart(var symmetric):
            guard let remoteStatic = remoteStaticExpected else {
                throw .unexpectedStep("initiator without a remote node id")
            }
            let actOne = try Self.makeActOne(&symmetric, ephemeral: ephemeral, remoteStatic: remoteStatic)
            state = .initiatorAwaitingActTwo(symmetric)
            return [.send(actOne)]
        case .responderAwaitingActOne:
            return []
        case .failed(let error):
            throw error
        default:
            throw .unexpectedStep("start() called after the handshake began")
        }
    }

    /// Feeds bytes from the peer. Bytes beyond the last act are kept and handed to the transport.
    /// - Returns: what to do next; empty means "wait for more bytes".
    /// - Throws: ``BOLT8Error`` when the peer's act is invalid; the handshake is then failed.
    public mutating func receive<C: Collection>(_ bytes: C) throws(BOLT8Error) -> [HandshakeEvent]
    where C.Element == UInt8 {
        if case .failed(let error) = state { throw error }
        guard pending.count + bytes.count <= Self.maxPendingInput else {
            state = .failed(.tooMuchHandshakeInput(limit: Self.maxPendingInput))
            throw .tooMuchHandshakeInput(limit: Self.maxPendingInput)
        }
        pending.append(contentsOf: bytes)
        do {
            return try step()
        } catch {
            state = .failed(error)
            throw error
        }
    }

    /// Resumes after ``HandshakeEvent/needStaticECDH(_:)`` with `SHA256(compressed(k·P))`.
    /// - Parameter staticECDH: the 32-byte result from the ``NodeKeyAgreement``.
    /// - Returns: what to do next.
    /// - Throws: ``BOLT8Error`` if the act fails its checks or no ECDH was asked for.
    public mutating func resume(staticECDH: [UInt8]) throws(BOLT8Error) -> [HandshakeEvent] {
        if case .failed(let error) = state { throw error }
        do {
            return try resumeStep(staticECDH)
        } catch {
            state = .failed(error)
            throw error
        }
    }

    /// Marks the end of the peer's input: an act cut short is an error.
    /// - Throws: ``BOLT8Error/truncatedAct(act:received:needed:)`` if an act was incomplete,
    ///   or the earlier failure.
    public func endOfInput() throws(BOLT8Error) {
        switch state {
        case .failed(let error): throw error
        case .initiatorAwaitingActTwo:
            throw .truncatedAct(act: 2, received: pending.count, needed: Self.actTwoSize)
        case .responderAwaitingActOne:
            throw .truncatedAct(act: 1, received: pending.count, needed: Self.actOneSize)
        case .responderAwaitingActThree:
            throw .truncatedAct(act: 3, received: pending.count, needed: Self.actThreeSize)
        case .initiatorStart, .initiatorAwaitingStaticECDH, .responderAwaitingStaticECDH:
            throw .unexpectedStep("connection ended before the handshake finished")
        case .done:
            return
        }
    }
}

/// What the caller of ``Handshake`` must do next.
public enum HandshakeEvent: Sendable {
    /// Write these bytes to the peer.
    case send([UInt8])
    /// Compute the node's static ECDH with this point (``NodeKeyAgreement/ecdh(_:)``) and call
    /// ``Handshake/resume(staticECDH:)`` with the result.
    case needStaticECDH(PublicKey)
    /// The handshake is done; use this transport for all further bytes (it already holds any
    /// bytes that arrived after the last act).
    case complete(BOLT8Transport)
}
