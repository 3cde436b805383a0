import BitcoinPrimitives
import DriverProtocol
import Secp256k1

/// The core's answer to `signer.ecdh` (docs/driver-protocol.md): a Lightning driver does its
/// BOLT 8 handshakes with a node key it never holds; it sends the peer's ephemeral point and gets
/// SHA256 of the compressed shared point back. Each driver instance signs with its own key only.
/// The one implementation altnetd, check-driver, the benches and the tests use.
public struct NodeKeySigner: Sendable {
    /// Node keys by driver instance name.
    public let keys: [String: PrivateKey]

    /// - Parameter keys: node keys by driver instance name.
    public init(keys: [String: PrivateKey]) { self.keys = keys }

    /// Answers `signer.ecdh` for `request.driver` with that driver's key.
    /// - Throws: `methodNotFound` for another method or a driver without a key; `invalidParams`
    ///   when the point is not a 33-byte compressed secp256k1 public key.
    public func handle(_ request: DriverRequest) async throws -> any Encodable & Sendable {
        guard request.method == Methods.signerECDH, let key = keys[request.driver] else {
            throw DriverProtocolError(.methodNotFound, "the core does not serve \(request.method) for \(request.driver)")
        }
        let params = try request.params(as: ECDHParams.self)
        let bytes = try Hex.decode(params.point, field: "point")
        guard bytes.count == 33, let point = try? PublicKey(serialized: bytes) else {
            throw DriverProtocolError(.invalidParams, "point must be a compressed secp256k1 public key (33 bytes)")
        }
        return ECDHResult(secret: Hex.encode(try ECDH.sha256Compressed(privateKey: key, publicKey: point)))
    }

    /// ``handle(_:)`` as an Altstack core handler.
    public var handler: CoreRequestHandler {
        let signer = self
        return { request in try await signer.handle(request) }
    }
}
