import BOLT8
import DriverKit
import Secp256k1

/// The node key as the driver sees it: the public half, and ECDH asked of the core
/// (`signer.ecdh`). The private key never enters this process.
struct CoreNodeKey: NodeKeyAgreement {
    let publicKey: PublicKey
    let context: DriverContext

    /// - Parameter point: the peer's ephemeral key.
    /// - Returns: SHA256 of the compressed shared point, from the core (the session checks its
    ///   length).
    /// - Throws: the core's ``DriverProtocolError``.
    func ecdh(_ point: PublicKey) async throws -> [UInt8] {
        try await context.ecdh(point: point.serialized(compressed: true))
    }
}
