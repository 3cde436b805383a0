import Crypto
import Foundation

/// Bitcoin's hash functions over swift-crypto.
public enum Hashes {
    /// SHA-256 of the bytes.
    @inlinable
    public static func sha256<D: DataProtocol>(_ data: D) -> [UInt8] {
        Array(SHA256.hash(data: data))
    }

    /// Double SHA-256 (Bitcoin's hash256), as 32 bytes in internal (wire) order.
    @inlinable
    public static func sha256d<D: DataProtocol>(_ data: D) -> [UInt8] {
        let first = SHA256.hash(data: data)
        return first.withUnsafeBytes { Array(SHA256.hash(data: $0)) }
    }

    /// BIP340-style tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data).
    public static func tagged<D: DataProtocol>(_ tag: String, _ data: D) -> [UInt8] {
        let t = SHA256.hash(data: Array(tag.utf8))
        var h = SHA256()
        t.withUnsafeBytes { h.update(bufferPointer: $0) }
        t.withUnsafeBytes { h.update(bufferPointer: $0) }
        h.update(data: data)
        return Array(h.finalize())
    }
}
