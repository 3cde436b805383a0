import Secp256k1

/// The node's static key, seen only through ECDH.
///
/// BOLT 8 needs the node's static private key for exactly one ECDH per handshake (act one on the
/// responder, act three on the initiator). Routing it through this protocol lets the key live in
/// another process or device (an HSM, a signer like CLN's `hsmd`); the handshake never sees it.
public protocol NodeKeyAgreement: Sendable {
    /// The node's static public key (its node id).
    var publicKey: PublicKey { get }

    /// BOLT 8's ECDH: SHA256 of the compressed point `k·point`, where `k` is the static secret.
    /// - Parameter point: the peer's ephemeral public key.
    /// - Returns: 32 bytes.
    /// - Throws: whatever the key service reports; the handshake wraps it in
    ///   ``BOLT8Error/nodeKeyFailed(_:)``.
    func ecdh(_ point: PublicKey) async throws -> [UInt8]
}

/// A ``NodeKeyAgreement`` holding the static private key in this process.
public struct LocalNodeKey: NodeKeyAgreement {
    private let privateKey: PrivateKey
    public let publicKey: PublicKey

    /// - Parameter privateKey: the node's static secret.
    public init(privateKey: PrivateKey) {
        self.privateKey = privateKey
        self.publicKey = privateKey.publicKey
    }

    /// Synchronous form, for callers that hold the key locally.
    /// - Throws: ``Secp256k1Error/ecdhFailed`` if libsecp256k1 refuses.
    public func ecdhSync(_ point: PublicKey) throws(Secp256k1Error) -> [UInt8] {
        try ECDH.sha256Compressed(privateKey: privateKey, publicKey: point)
    }

    public func ecdh(_ point: PublicKey) async throws -> [UInt8] {
        try ecdhSync(point)
    }
}
