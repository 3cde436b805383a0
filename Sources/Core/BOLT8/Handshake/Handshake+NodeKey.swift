import Secp256k1

/// The result of driving handshake events through a node key.
public struct HandshakeProgress: Sendable {
    /// Bytes to write to the peer now (possibly empty).
    public var bytesToSend: [UInt8] = []
    /// Set once the handshake has completed.
    public var transport: BOLT8Transport?
}

extension Handshake {
    /// The one asynchronous point of the handshake: answers every
    /// ``HandshakeEvent/needStaticECDH(_:)`` through `nodeKey` and collects the rest.
    ///
    /// Typical use: `let events = try hs.start()` then `try await hs.drive(events, nodeKey: key)`;
    /// then for each chunk read from the socket, `receive(_:)` it and `drive` the events, writing
    /// `bytesToSend` each time, until `transport` is set.
    /// - Parameters:
    ///   - events: events returned by ``start()`` or ``receive(_:)``.
    ///   - nodeKey: the node's static key service.
    /// - Returns: the bytes to send and, once finished, the transport.
    /// - Throws: ``BOLT8Error``; a failing node key becomes ``BOLT8Error/nodeKeyFailed(_:)``.
    public mutating func drive(
        _ events: [HandshakeEvent], nodeKey: some NodeKeyAgreement
    ) async throws(BOLT8Error) -> HandshakeProgress {
        var progress = HandshakeProgress()
        var queue = events[...]
        while let event = queue.popFirst() {
            switch event {
            case .send(let bytes):
                progress.bytesToSend += bytes
            case .complete(let transport):
                progress.transport = transport
            case .needStaticECDH(let point):
                let secret: [UInt8]
                do {
                    secret = try await nodeKey.ecdh(point)
                } catch {
                    let failure = BOLT8Error.nodeKeyFailed(String(describing: error))
                    state = .failed(failure)
                    throw failure
                }
                queue.append(contentsOf: try resume(staticECDH: secret))
            }
        }
        return progress
    }
}
