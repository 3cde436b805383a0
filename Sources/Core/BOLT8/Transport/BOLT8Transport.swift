import Foundation
import Secp256k1

/// An established BOLT 8 connection's cipher state: a ``MessageEncryptor`` for what we send and
/// a ``MessageDecoder`` for what we receive. Pure: bytes in, bytes out.
///
/// The two halves are independent values; an I/O adapter may split them between a reader and a
/// writer (`var (tx, rx) = (transport.sender, transport.receiver)`).
public struct BOLT8Transport: Sendable {
    /// BOLT 8: the length prefix is two bytes, so a message is at most 65,535 bytes.
    public static let maxMessageSize = 65_535

    /// The peer's node id, authenticated by the handshake.
    public let remoteStatic: PublicKey
    /// Encrypts our outgoing messages.
    public var sender: MessageEncryptor
    /// Decrypts the peer's bytes into messages.
    public var receiver: MessageDecoder

    init(remoteStatic: PublicKey, sendingKey: [UInt8], receivingKey: [UInt8],
         chainingKey: [UInt8], buffered: [UInt8]) {
        self.remoteStatic = remoteStatic
        sender = MessageEncryptor(cipher: TransportCipher(key: sendingKey, chainingKey: chainingKey))
        receiver = MessageDecoder(cipher: TransportCipher(key: receivingKey, chainingKey: chainingKey))
        receiver.feed(buffered)
    }

    /// Encrypts one message; see ``MessageEncryptor/encrypt(_:)``.
    public mutating func encrypt<D: DataProtocol>(_ message: D) throws(BOLT8Error) -> [UInt8] {
        try sender.encrypt(message)
    }

    /// Buffers bytes from the peer; see ``MessageDecoder/feed(_:)``.
    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        receiver.feed(bytes)
    }

    /// The next whole message from the peer, if any; see ``MessageDecoder/nextMessage()``.
    public mutating func nextMessage() throws(BOLT8Error) -> [UInt8]? {
        try receiver.nextMessage()
    }
}

/// The sending half: `lc = encrypt(sk, sn, len)`, `c = encrypt(sk, sn+1, m)`, key rotation.
public struct MessageEncryptor: Sendable {
    var cipher: TransportCipher

    /// Encrypts one message into a fresh packet: 18-byte encrypted length, body, 16-byte tag.
    /// - Throws: ``BOLT8Error/messageTooLarge(_:)`` above 65,535 bytes.
    public mutating func encrypt<D: DataProtocol>(_ message: D) throws(BOLT8Error) -> [UInt8] {
        var packet: [UInt8] = []
        try encrypt(message, appendingTo: &packet)
        return packet
    }

    /// Encrypts one message, appending the packet to `out` (lets a writer batch packets).
    /// - Throws: ``BOLT8Error/messageTooLarge(_:)`` above 65,535 bytes.
    public mutating func encrypt<D: DataProtocol>(
        _ message: D, appendingTo out: inout [UInt8]
    ) throws(BOLT8Error) {
        let length = message.count
        guard length <= BOLT8Transport.maxMessageSize else { throw .messageTooLarge(length) }
        out.reserveCapacity(out.count + 18 + length + 16)
        let prefix: [UInt8] = [UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        cipher.seal(prefix, appendingTo: &out)
        cipher.seal(message, appendingTo: &out)
    }
}
