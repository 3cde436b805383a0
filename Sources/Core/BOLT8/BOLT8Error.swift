/// Why a BOLT 8 handshake or transport stopped.
///
/// Every case is caused by the peer's bytes (or by the node-key service) and is reported as a
/// value, never a trap. After any of these the connection must be closed: BOLT 8 has no way to
/// resynchronise a cipher stream.
public enum BOLT8Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// An act's version byte was not 0 (`ACTn_BAD_VERSION`).
    case badVersion(act: Int, version: UInt8)
    /// An act carried a public key that is not a valid compressed point (`ACTn_BAD_PUBKEY`).
    case badPublicKey(act: Int)
    /// An act's authentication tag did not verify (`ACTn_BAD_TAG`). For act one this usually
    /// means the initiator does not know our node id.
    case badTag(act: Int)
    /// Act three's encrypted static key did not decrypt (`ACT3_BAD_CIPHERTEXT`).
    case badCiphertext(act: Int)
    /// The input ended before a whole act arrived (`ACTn_READ_FAILED`).
    case truncatedAct(act: Int, received: Int, needed: Int)
    /// The injected ``NodeKeyAgreement`` failed to compute the static ECDH.
    case nodeKeyFailed(String)
    /// A handshake step was called in a state that does not accept it (a caller bug).
    case unexpectedStep(String)
    /// The encrypted length prefix of a message did not authenticate.
    case badLengthTag
    /// The body of a message did not authenticate.
    case badMessageTag
    /// The input ended in the middle of a message.
    case truncatedMessage(received: Int, needed: Int)
    /// The peer sent more than the handshake can hold before completing.
    case tooMuchHandshakeInput(limit: Int)
    /// A message to send is longer than BOLT 8's 65,535-byte maximum.
    case messageTooLarge(Int)

    public var description: String {
        switch self {
        case .badVersion(let act, let version):
            return "BOLT 8 act \(act): unsupported handshake version \(version) (only 0 is defined)"
        case .badPublicKey(let act):
            return "BOLT 8 act \(act): the peer's public key is not a valid secp256k1 point"
        case .badTag(let act):
            return act == 1
                ? "BOLT 8 act 1: authentication failed (the peer does not know our node id)"
                : "BOLT 8 act \(act): authentication tag does not verify"
        case .badCiphertext(let act):
            return "BOLT 8 act \(act): the peer's encrypted static key does not decrypt"
        case .truncatedAct(let act, let received, let needed):
            return "BOLT 8 act \(act): connection ended after \(received) of \(needed) bytes"
        case .nodeKeyFailed(let why):
            return "BOLT 8: the node key service could not compute ECDH: \(why)"
        case .unexpectedStep(let what):
            return "BOLT 8: \(what)"
        case .badLengthTag:
            return "BOLT 8: message length prefix failed authentication"
        case .badMessageTag:
            return "BOLT 8: message body failed authentication"
        case .truncatedMessage(let received, let needed):
            return "BOLT 8: connection ended after \(received) of \(needed) bytes of a message"
        case .tooMuchHandshakeInput(let limit):
            return "BOLT 8: peer sent more than \(limit) bytes before the handshake completed"
        case .messageTooLarge(let n):
            return "BOLT 8: message of \(n) bytes exceeds the 65535-byte maximum"
        }
    }
}
