import Crypto
import ElligatorSwift
import Foundation
import Secp256k1

/// The six secrets BIP324 derives from the ECDH shared secret with HKDF-SHA256.
///
/// salt = "bitcoin_v2_shared_secret" || network magic (4 bytes); IKM = the shared secret;
/// each key is 32 bytes of HKDF-Expand with its name as info.
public struct BIP324Keys: Sendable, Equatable {
    public let initiatorL: [UInt8]
    public let initiatorP: [UInt8]
    public let responderL: [UInt8]
    public let responderP: [UInt8]
    /// 32 bytes: the initiator's terminator (first 16) then the responder's (last 16).
    public let garbageTerminators: [UInt8]
    public let sessionID: [UInt8]

    /// - Parameters:
    ///   - sharedSecret: 32 bytes from ``ElligatorSwift/bip324SharedSecret(privateKey:ours:theirs:initiating:)``.
    ///   - networkMagic: the network's 4 message-start bytes (regtest: fa bf b5 da).
    /// - Throws: `.invalidArgument` on wrong lengths.
    public init(sharedSecret: [UInt8], networkMagic: [UInt8]) throws(BIP324Error) {
        guard sharedSecret.count == 32 else { throw BIP324Error(.invalidArgument("shared secret must be 32 bytes")) }
        guard networkMagic.count == 4 else { throw BIP324Error(.invalidArgument("network magic must be 4 bytes")) }
        let salt = Array("bitcoin_v2_shared_secret".utf8) + networkMagic
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: sharedSecret), salt: salt)
        func expand(_ info: String) -> [UInt8] {
            HKDF<SHA256>.expand(pseudoRandomKey: prk, info: Array(info.utf8), outputByteCount: 32)
                .withUnsafeBytes { Array($0) }
        }
        initiatorL = expand("initiator_L")
        initiatorP = expand("initiator_P")
        responderL = expand("responder_L")
        responderP = expand("responder_P")
        garbageTerminators = expand("garbage_terminators")
        sessionID = expand("session_id")
    }

    /// Runs the BIP324 ECDH on the two encodings and derives the keys.
    /// - Parameters:
    ///   - privateKey: our secret key (stays inside libsecp256k1).
    ///   - ours: our 64-byte ElligatorSwift encoding; theirs: the peer's.
    ///   - initiating: whether we opened the connection.
    ///   - networkMagic: 4 bytes.
    /// - Throws: `.keyAgreementFailed` if the peer's encoding gives no usable point.
    public init(
        privateKey: PrivateKey, ours: [UInt8], theirs: [UInt8], initiating: Bool, networkMagic: [UInt8]
    ) throws(BIP324Error) {
        let secret: [UInt8]
        do {
            secret = try ElligatorSwift.bip324SharedSecret(
                privateKey: privateKey, ours: ours, theirs: theirs, initiating: initiating)
        } catch {
            throw BIP324Error(.keyAgreementFailed(error.description))
        }
        try self.init(sharedSecret: secret, networkMagic: networkMagic)
    }
}
