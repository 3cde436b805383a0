import Crypto
import Secp256k1

/// ElligatorSwift public-key encodings for secp256k1 (BIP324): 64 bytes `u || t` that look
/// uniformly random and decode to an x coordinate, and the BIP324 x-only ECDH over them.
///
/// libsecp256k1 0.2.0 (Debian) has no ellswift module, so the map is implemented here in Swift.
/// Only public values pass through this code: the encoder sees our public key's x and public
/// randomness, the decoder sees the peer's bytes. The secret scalar stays inside libsecp256k1
/// (public key derivation and ECDH), so the variable-time field code leaks nothing secret.
public enum ElligatorSwift {
    /// Size of an encoding: two 32-byte field elements.
    public static let encodingSize = 64

    /// How many (u, branch) pairs ``encode(x:randomness:)`` tries before giving up. Each try
    /// succeeds with probability about 1/4, so reaching this bound means broken randomness.
    static let maxAttempts = 1024

    /// Decodes an encoding to the 32-byte x coordinate it represents (every 64 bytes decode).
    /// - Parameter encoding: 64 bytes, `u || t`, each read big endian and reduced mod p.
    /// - Returns: the x coordinate, 32 bytes big endian.
    /// - Throws: ``ElligatorSwiftError/invalidLength(_:)`` unless exactly 64 bytes.
    public static func decode<C: Collection>(_ encoding: C) throws(ElligatorSwiftError) -> [UInt8]
    where C.Element == UInt8 {
        let bytes = Array(encoding)
        guard bytes.count == encodingSize else { throw .invalidLength(bytes.count) }
        let u = FieldElement(bigEndian: bytes[0..<32])
        let t = FieldElement(bigEndian: bytes[32..<64])
        return XSwiftEC.decode(u: u, t: t).bigEndianBytes
    }

    /// XSwiftECInv for one branch, exposed for the BIP's test vectors and for callers that
    /// want to build encodings themselves.
    /// - Parameters:
    ///   - x: a valid x coordinate, 32 bytes big endian.
    ///   - u: 32 bytes big endian (reduced mod p).
    ///   - branch: 0 to 7, which of the up to eight preimages to return.
    /// - Returns: t (32 bytes) with decode(u || t) = x, or nil if this branch has none.
    /// - Throws: ``ElligatorSwiftError/invalidLength(_:)`` or ``ElligatorSwiftError/invalidBranch(_:)``.
    public static func inverse(x: [UInt8], u: [UInt8], branch: Int) throws(ElligatorSwiftError) -> [UInt8]? {
        guard x.count == 32 else { throw .invalidLength(x.count) }
        guard u.count == 32 else { throw .invalidLength(u.count) }
        guard (0..<8).contains(branch) else { throw .invalidBranch(branch) }
        let fx = FieldElement(bigEndian: x)
        guard fx.isValidX else { throw .notOnCurve }
        return XSwiftEC.inverse(x: fx, u: FieldElement(bigEndian: u), case: branch)?.bigEndianBytes
    }

    /// Encodes an x coordinate with the given randomness: samples u and a branch from
    /// SHA256(randomness || counter) until XSwiftECInv succeeds (BIP324's suggested encoder).
    /// - Parameters:
    ///   - x: the x coordinate, 32 bytes (must be on the curve).
    ///   - randomness: 32 fresh random bytes; the same randomness gives the same encoding.
    /// - Returns: the 64-byte encoding.
    /// - Throws: ``ElligatorSwiftError`` on bad lengths, an x off the curve, or (never in
    ///   practice) when every attempt failed.
    public static func encode(x: [UInt8], randomness: [UInt8]) throws(ElligatorSwiftError) -> [UInt8] {
        guard x.count == 32 else { throw .invalidLength(x.count) }
        guard randomness.count == 32 else { throw .invalidLength(randomness.count) }
        let fx = FieldElement(bigEndian: x)
        guard fx.isValidX else { throw .notOnCurve }
        var input = randomness + [0, 0, 0, 0]
        for attempt in 0..<maxAttempts {
            input[32] = UInt8(truncatingIfNeeded: attempt)
            input[33] = UInt8(truncatingIfNeeded: attempt >> 8)
            let digest = Array(SHA256.hash(data: input))
            let u = FieldElement(bigEndian: digest)
            // The branch comes from a second hash so that u stays a full 256-bit sample.
            let branch = Int(Array(SHA256.hash(data: digest))[0] & 7)
            if u.isZero { continue }  // decode maps u = 0 to 1: such a u cannot round-trip
            guard let t = XSwiftEC.inverse(x: fx, u: u, case: branch), !t.isZero else { continue }
            return u.bigEndianBytes + t.bigEndianBytes
        }
        throw .encodingFailed
    }

    /// `ellswift_create`: our public key's x coordinate, encoded with fresh randomness.
    /// - Parameters:
    ///   - privateKey: our secret key (used only inside libsecp256k1).
    ///   - randomness: 32 random bytes (inject for reproducible tests).
    /// - Returns: the 64-byte encoding of `privateKey.publicKey`'s x.
    /// - Throws: ``ElligatorSwiftError`` (only on bad randomness length in practice).
    public static func create(privateKey: PrivateKey, randomness: [UInt8]) throws(ElligatorSwiftError) -> [UInt8] {
        try encode(x: privateKey.publicKey.x, randomness: randomness)
    }

    /// `ellswift_create` with randomness from the system's secure generator.
    public static func create(privateKey: PrivateKey) throws(ElligatorSwiftError) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return try create(privateKey: privateKey, randomness: (0..<32).map { _ in rng.next() })
    }

    /// The x coordinate of privateKey · lift_x(decode(theirs)), with the point lifted to even y
    /// (the sign does not change the shared x).
    /// - Throws: ``ElligatorSwiftError/ecdhFailed`` if libsecp256k1 refuses the point.
    public static func xOnlyECDH(privateKey: PrivateKey, theirs: [UInt8]) throws(ElligatorSwiftError) -> [UInt8] {
        let x = try decode(theirs)
        do {
            let point = try PublicKey(evenYWithX: x)
            return try ECDH.xOnly(privateKey: privateKey, publicKey: point)
        } catch {
            throw .ecdhFailed
        }
    }

    /// BIP324's shared secret: tagged hash "bip324_ellswift_xonly_ecdh" of
    /// ell_initiator || ell_responder || x_shared.
    /// - Parameters:
    ///   - privateKey: our secret key.
    ///   - ours: our 64-byte encoding; theirs: the peer's 64-byte encoding.
    ///   - initiating: whether we opened the connection (our encoding goes first).
    /// - Returns: 32 bytes.
    /// - Throws: ``ElligatorSwiftError`` on bad lengths or a refused point.
    public static func bip324SharedSecret(
        privateKey: PrivateKey, ours: [UInt8], theirs: [UInt8], initiating: Bool
    ) throws(ElligatorSwiftError) -> [UInt8] {
        guard ours.count == encodingSize else { throw .invalidLength(ours.count) }
        let shared = try xOnlyECDH(privateKey: privateKey, theirs: theirs)
        let message = initiating ? ours + theirs + shared : theirs + ours + shared
        return taggedHash("bip324_ellswift_xonly_ecdh", message)
    }

    /// BIP340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data).
    static func taggedHash(_ tag: String, _ data: [UInt8]) -> [UInt8] {
        let tagHash = Array(SHA256.hash(data: Array(tag.utf8)))
        var hasher = SHA256()
        hasher.update(data: tagHash)
        hasher.update(data: tagHash)
        hasher.update(data: data)
        return Array(hasher.finalize())
    }
}

/// Errors from ElligatorSwift: all caused by caller or peer input, none traps.
public enum ElligatorSwiftError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A buffer of the wrong size (an encoding is 64 bytes, coordinates and u 32, randomness 32).
    case invalidLength(Int)
    /// A branch outside 0...7.
    case invalidBranch(Int)
    /// An x coordinate with no point on secp256k1.
    case notOnCurve
    /// No encoding found within the attempt bound (broken randomness).
    case encodingFailed
    /// libsecp256k1 refused the decoded point or the ECDH.
    case ecdhFailed

    public var description: String {
        switch self {
        case .invalidLength(let n): return "ElligatorSwift: unexpected input length \(n)"
        case .invalidBranch(let b): return "ElligatorSwift: branch \(b) outside 0...7"
        case .notOnCurve: return "ElligatorSwift: x coordinate is not on secp256k1"
        case .encodingFailed: return "ElligatorSwift: no encoding found (randomness is broken)"
        case .ecdhFailed: return "ElligatorSwift: ECDH on the decoded point failed"
        }
    }
}
