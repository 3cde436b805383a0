import BOLT8
import DriverKit
import Secp256k1

/// The node key as the driver sees it: the public half, and ECDH asked of the core
/// (`signer.ecdh`). The private key never enters this process.
struct CoreNodeKey: NodeKeyAgreement {
    let publicKey: PublicKey
    let context: DriverContext

    /// - Parameter point: the peer's ephemeral key.
    /// - Returns: SHA256 of the compressed shared point, from the core.
    /// - Throws: the core's ``DriverProtocolError``, or a wrong-length answer.
    func ecdh(_ point: PublicKey) async throws -> [UInt8] {
        let secret = try await context.ecdh(point: point.serialized(compressed: true))
        guard secret.count == 32 else { throw LinkError.badECDHAnswer(secret.count) }
        return secret
    }
}
