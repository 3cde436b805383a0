import Foundation

/// One side's BIP324 packet cipher: lengths under FSChaCha20, header and contents under
/// FSChaCha20Poly1305, one pair of each per direction.
///
/// A packet on the wire: `len (3, encrypted) || AEAD(header (1) || contents) || tag (16)`, with the
/// header's bit 7 the ignore (decoy) flag. Pure: bytes in, bytes out.
public struct BIP324Cipher: Sendable {
    public static let lengthSize = 3
    public static let headerSize = 1
    public static let tagSize = 16
    /// Bytes a packet adds around its contents: length, header and tag.
    public static let overhead = lengthSize + headerSize + tagSize
    /// Largest contents the 3-byte length can express. The transport enforces a smaller limit,
    /// ``BIP324Transport/maxContentsLength``.
    public static let maxEncodableLength = (1 << 24) - 1
    /// Header bit 7: the receiver ignores the packet.
    public static let ignoreBit: UInt8 = 0x80

    private var sendL: FSChaCha20
    private var sendP: FSChaCha20Poly1305
    private var receiveL: FSChaCha20
    private var receiveP: FSChaCha20Poly1305
    /// Plaintext assembly buffer (header || contents), reused across packets.
    private var scratch: [UInt8] = []

    /// Session ID (32 bytes), the same on both sides; may be compared out of band.
    public let sessionID: [UInt8]
    /// The 16 bytes we send after our garbage.
    public let sendGarbageTerminator: [UInt8]
    /// The 16 bytes that end the peer's garbage.
    public let receiveGarbageTerminator: [UInt8]

    /// - Parameters:
    ///   - keys: the derived session keys.
    ///   - initiating: whether we opened the connection (we then send with the initiator keys).
    public init(keys: BIP324Keys, initiating: Bool) throws(BIP324Error) {
        sendL = try FSChaCha20(key: initiating ? keys.initiatorL : keys.responderL)
        sendP = try FSChaCha20Poly1305(key: initiating ? keys.initiatorP : keys.responderP)
        receiveL = try FSChaCha20(key: initiating ? keys.responderL : keys.initiatorL)
        receiveP = try FSChaCha20Poly1305(key: initiating ? keys.responderP : keys.initiatorP)
        let first = Array(keys.garbageTerminators[0..<16]), second = Array(keys.garbageTerminators[16..<32])
        sendGarbageTerminator = initiating ? first : second
        receiveGarbageTerminator = initiating ? second : first
        sessionID = keys.sessionID
    }

    /// Encrypts one packet.
    /// - Parameters:
    ///   - contents: the packet contents (message type and payload, or anything for decoys).
    ///   - aad: associated data (our garbage, for the first packet after it only).
    ///   - ignore: set the ignore bit (a decoy).
    /// - Returns: the packet bytes, `contents.count + overhead` long.
    /// - Throws: `.invalidArgument` if contents exceed 2^24 - 1 bytes.
    public mutating func encrypt(contents: [UInt8], aad: [UInt8] = [], ignore: Bool = false) throws(BIP324Error) -> [UInt8] {
        let packet = try seal(header: ignore ? Self.ignoreBit : 0, typePrefix: [], payload: contents, aad: aad)
        return packet.withUnsafeBytes { [UInt8]($0) }
    }

    /// Seals a packet whose contents are `typePrefix || payload`.
    ///
    /// The plaintext is assembled once in a scratch buffer kept for the next packet; swift-crypto
    /// seals it into a fresh buffer, `nonce || ciphertext || tag`, and the encrypted length is
    /// written over the last 3 nonce bytes, so that buffer becomes the packet without a copy.
    /// - Returns: the packet, `length (3) || ciphertext || tag`, as a slice of that buffer (its
    ///   indices do not start at 0).
    /// - Throws: `.invalidArgument` if the contents exceed 2^24 - 1 bytes; `.cryptoFailure`.
    mutating func seal(header: UInt8, typePrefix: [UInt8], payload: [UInt8], aad: [UInt8]) throws(BIP324Error) -> Data {
        try payload.withUnsafeBytes { raw in
            BIP324Transport.carry { () throws(BIP324Error) in try seal(header: header, typePrefix: typePrefix, payload: raw, aad: aad) }
        }.get()
    }

    /// ``seal(header:typePrefix:payload:aad:)`` for a payload lent as raw bytes (a socket read
    /// buffer, a v1 frame where it lies): no array is made of it.
    mutating func seal(header: UInt8, typePrefix: [UInt8], payload: UnsafeRawBufferPointer, aad: [UInt8]) throws(BIP324Error) -> Data {
        let length = typePrefix.count + payload.count
        guard length <= Self.maxEncodableLength else { throw BIP324Error(.invalidArgument("packet contents of \(length) bytes exceed 2^24 - 1")) }
        // Moved out (unique, so no copy) while the cipher, also part of self, reads it.
        var plaintext: [UInt8] = []
        swap(&plaintext, &scratch)
        defer {
            plaintext.removeAll(keepingCapacity: plaintext.capacity <= Self.scratchCapacityKept)
            swap(&plaintext, &scratch)
        }
        plaintext.reserveCapacity(Self.headerSize + length)
        plaintext.append(header)
        plaintext.append(contentsOf: typePrefix)
        // As typed bytes, so that the append is one memcpy.
        plaintext.append(contentsOf: UnsafeBufferPointer(start: payload.baseAddress?.assumingMemoryBound(to: UInt8.self), count: payload.count))
        // withUnsafeBytes only rethrows untyped errors: carry ours out in a Result.
        let sealed = plaintext.withUnsafeBytes { raw -> Result<Data, BIP324Error> in
            do throws(BIP324Error) {
                return .success(try sendP.seal(raw, aad: aad))
            } catch {
                return .failure(error)
            }
        }
        var packet = try sealed.get()
        let (e0, e1, e2) = try sendL.crypt3(
            UInt8(truncatingIfNeeded: length), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length >> 16))
        let start = FSChaCha20Poly1305.nonceRoom - Self.lengthSize
        packet.withUnsafeMutableBytes { (bytes: UnsafeMutableRawBufferPointer) in
            bytes[start] = e0
            bytes[start + 1] = e1
            bytes[start + 2] = e2
        }
        return packet[(packet.startIndex + start)...]
    }

    /// Largest plaintext scratch buffer kept between packets (a 4 MB message's is freed).
    static let scratchCapacityKept = 1 << 21

    /// Encrypts a bare 3-byte length prefix (advancing the length cipher as a packet would).
    /// Internal: lets tests forge prefixes, for example one above the maximum.
    mutating func encryptLength(_ length: Int) throws(BIP324Error) -> [UInt8] {
        try sendL.crypt([
            UInt8(truncatingIfNeeded: length), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length >> 16),
        ])
    }

    /// Decrypts a 3-byte length prefix. The caller checks it against its limit before it
    /// allocates anything for the packet (the transport does).
    /// - Returns: the contents length; the caller then needs `length + headerSize + tagSize` bytes.
    /// - Throws: `.invalidArgument` unless given exactly 3 bytes.
    public mutating func decryptLength<C: Collection>(_ bytes: C) throws(BIP324Error) -> Int where C.Element == UInt8 {
        guard bytes.count == Self.lengthSize else { throw BIP324Error(.invalidArgument("length prefix must be 3 bytes")) }
        var i = bytes.startIndex
        let b0 = bytes[i]; bytes.formIndex(after: &i)
        let b1 = bytes[i]; bytes.formIndex(after: &i)
        return try decryptLength(b0, b1, bytes[i])
    }

    /// ``decryptLength(_:)`` for the 3 bytes given one by one (no collection, no allocation).
    mutating func decryptLength(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8) throws(BIP324Error) -> Int {
        let (p0, p1, p2) = try receiveL.crypt3(b0, b1, b2)
        return Int(p0) | Int(p1) << 8 | Int(p2) << 16
    }

    /// Decrypts the rest of a packet: `header || contents || tag` encrypted.
    /// - Returns: whether the ignore bit is set, and the contents.
    /// - Throws: `.packetAuthenticationFailed` if the tag does not verify.
    public mutating func decrypt(_ sealed: ArraySlice<UInt8>, aad: [UInt8] = []) throws(BIP324Error) -> (ignore: Bool, contents: [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: Self.inPlaceRoom)
        buffer.append(contentsOf: sealed)
        let plaintext = try buffer.withUnsafeMutableBytes { raw in
            BIP324Transport.carry { () throws(BIP324Error) in try decryptPlaintext(inPlace: raw, aad: aad) }
        }.get()
        let ignore = plaintext.first.map { $0 & Self.ignoreBit != 0 } ?? false
        return (ignore, plaintext.dropFirst().withUnsafeBytes { [UInt8]($0) })
    }

    /// Bytes ``decryptPlaintext(inPlace:aad:)`` needs free in front of the sealed bytes.
    static let inPlaceRoom = FSChaCha20Poly1305.nonceRoom

    /// Decrypts `header || contents || tag` where it lies in `buffer`, after ``inPlaceRoom``
    /// spare bytes that it overwrites; the returned plaintext starts with the header byte.
    /// - Throws: `.packetAuthenticationFailed` if the tag does not verify or nothing is left.
    mutating func decryptPlaintext(inPlace buffer: UnsafeMutableRawBufferPointer, aad: [UInt8]) throws(BIP324Error) -> Data {
        let plaintext = try receiveP.open(inPlace: buffer, aad: aad)
        guard !plaintext.isEmpty else { throw BIP324Error(.packetAuthenticationFailed) }
        return plaintext
    }
}
