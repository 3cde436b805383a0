import Crypto

/// A ChaCha20-Poly1305 key that can cross concurrency domains.
///
/// swift-crypto 3.x does not mark `SymmetricKey` `Sendable`, though it is an immutable value:
/// its storage (`SecureBytes`) is copy-on-write and `SymmetricKey` exposes no mutation, so a
/// shared instance is only ever read. Holding it in a `let` here keeps that true, which is the
/// whole argument for `@unchecked Sendable`.
struct CipherKey: @unchecked Sendable {
    let key: SymmetricKey

    init(_ bytes: [UInt8]) { key = SymmetricKey(data: bytes) }
    init(_ key: SymmetricKey) { self.key = key }

    /// The raw key bytes.
    var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }
}
