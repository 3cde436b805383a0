import Crypto

/// One `-rpcauth` line in bitcoind's format, `USER:SALT$HASH`, where HASH is the lowercase hex
/// of HMAC-SHA256 keyed by the SALT string over the password (bitcoind's share/rpcauth/rpcauth.py
/// makes them; src/httprpc.cpp checks them). The password itself is never stored.
public struct RPCAuthEntry: Sendable, Equatable {
    public let user: String
    public let salt: String
    /// Lowercase hex of HMAC-SHA256(key: salt, message: password).
    public let hash: String

    /// Parses a line as bitcoind does: exactly one `:` splitting user from `SALT$HASH`, and
    /// exactly one `$` in the latter.
    /// - Parameter line: `USER:SALT$HASH`.
    /// - Throws: ``RPCProxyConfigError`` naming what is wrong (never echoing the hash).
    public init(line: String) throws(RPCProxyConfigError) {
        // Split on bytes, as bitcoind does: split on Characters, a ':' followed by a combining
        // mark is one Character and would not separate anything (found by the fuzzer).
        let fields = line.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard fields.count == 2 else {
            throw RPCProxyConfigError("rpcauth must be USER:SALT$HASH with one ':' (got \(fields.count - 1))")
        }
        let user = String(decoding: fields[0], as: UTF8.self)
        let saltHash = fields[1].split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
        guard saltHash.count == 2 else {
            throw RPCProxyConfigError("rpcauth for user \(user) must have SALT$HASH with one '$'")
        }
        self.user = user
        salt = String(decoding: saltHash[0], as: UTF8.self)
        hash = String(decoding: saltHash[1], as: UTF8.self)
    }

    /// An entry for `password` (what share/rpcauth/rpcauth.py prints), for tooling and tests.
    /// - Parameters:
    ///   - user: the user name.
    ///   - password: the password.
    ///   - salt: the salt (rpcauth.py uses 16 random bytes in hex).
    public init(user: String, password: String, salt: String) {
        self.user = user
        self.salt = salt
        self.hash = Self.hmac(salt: salt, password: password)
    }

    /// Whether `password` is this user's, compared without early exit.
    public func verify(password: String) -> Bool {
        TimingSafe.equal(Self.hmac(salt: salt, password: password), hash)
    }

    /// The line as bitcoind reads it.
    public var line: String { user + ":" + salt + "$" + hash }

    static func hmac(salt: String, password: String) -> String {
        let key = SymmetricKey(data: Array(salt.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: key)
        var hex = ""
        hex.reserveCapacity(64)
        let digits = Array("0123456789abcdef".utf8)
        for byte in mac {
            hex.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
            hex.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0x0F)]))
        }
        return hex
    }
}

/// Comparison whose time depends on the lengths only, not on where the inputs differ
/// (as bitcoind's TimingResistantEqual in src/util/strencodings.h: it runs over the first
/// input's length and folds the length difference in).
public enum TimingSafe {
    /// - Returns: whether `a` and `b` are the same bytes.
    public static func equal(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in equal(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) } }
    }

    /// - Returns: whether the two buffers hold the same bytes.
    public static func equal(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Bool {
        if y.isEmpty { return x.isEmpty }
        var accumulator = UInt(bitPattern: x.count ^ y.count)
        for i in 0..<x.count {
            accumulator |= UInt(x[i] ^ y[i % y.count])
        }
        return accumulator == 0
    }
}

/// A configuration mistake, with a message for the operator.
public struct RPCProxyConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
