import Foundation

/// Who may call the proxy and which methods, with bitcoind's rules (src/httprpc.cpp):
///
/// - A caller authenticates with HTTP Basic as the cookie user (`__cookie__:SECRET`) or as an
///   `-rpcauth` user; the whole `user:password` is compared timing-safely with the cookie, and
///   an rpcauth password through its HMAC, also timing-safely.
/// - `-rpcwhitelist` semantics for ``allow(_:)`` lines `USER:method,method`: a user named in
///   several lines gets their intersection; a line without `:` allows nothing. As soon as any
///   line exists, a user without one may call nothing (bitcoind's `-rpcwhitelistdefault`
///   defaults to whether `-rpcwhitelist` is set).
public struct ProxyAuthenticator: Sendable {
    /// The outcome of checking a request's Authorization header.
    public enum Outcome: Sendable, Equatable {
        /// No Authorization header: 401 at once.
        case missing
        /// A header that does not match any user: 401 after bitcoind's 250 ms brute-force delay.
        case wrong
        /// The authenticated user.
        case user(String)
    }

    /// The single `user:password` accepted besides rpcauth users (the cookie).
    let userColonPassword: String?
    let rpcauth: [RPCAuthEntry]
    /// Per-user allowed methods; nil when no allowlist was configured at all.
    let allowlists: [String: Set<String>]
    let allowlistDefault: Bool

    /// - Parameters:
    ///   - userColonPassword: the cookie's `__cookie__:SECRET` (nil for rpcauth users only).
    ///   - rpcauth: rpcauth users.
    ///   - allowLines: `USER:method,method` lines (bitcoind's -rpcwhitelist).
    ///   - allowlistDefault: refuse users without a line (bitcoind's -rpcwhitelistdefault);
    ///     nil means "whether any line is given", as bitcoind.
    public init(userColonPassword: String?, rpcauth: [RPCAuthEntry], allowLines: [String] = [], allowlistDefault: Bool? = nil) {
        self.userColonPassword = userColonPassword
        self.rpcauth = rpcauth
        var lists: [String: Set<String>] = [:]
        for line in allowLines {
            // Bytes, not Characters, as bitcoind (a combining mark after ':' must not hide it).
            let bytes = Array(line.utf8)
            let colon = bytes.firstIndex(of: UInt8(ascii: ":"))
            let user = String(decoding: bytes[..<(colon ?? bytes.endIndex)], as: UTF8.self)
            var methods: Set<String> = []
            if let colon {
                // bitcoind's SplitString(list, ", "): either character separates.
                methods = Set(bytes[(colon + 1)...].split(whereSeparator: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: " ") })
                    .map { String(decoding: $0, as: UTF8.self) })
            }
            if let existing = lists[user] {
                lists[user] = existing.intersection(methods)
            } else {
                lists[user] = methods
            }
        }
        self.allowlists = lists
        self.allowlistDefault = allowlistDefault ?? !allowLines.isEmpty
    }

    /// Checks an Authorization header as bitcoind's RPCAuthorized does.
    /// - Parameter header: the header value, nil when absent.
    /// - Returns: the outcome.
    public func authenticate(_ header: String?) -> Outcome {
        guard let header else { return .missing }
        guard header.hasPrefix("Basic ") else { return .wrong }
        // bitcoind's TrimStringView (default pattern " \f\n\r\t\v") on bytes: Foundation's
        // trimmingCharacters went through NSString and was a sixth of the proxy's CPU per call.
        let encoded = Self.trimmed(header.utf8.dropFirst(6))
        guard let decoded = Data(base64Encoded: Data(encoded)) else { return .wrong }
        // The first ':' byte, as bitcoind's find(':'): not a Character, since a ':' followed by
        // a combining mark is one Character (found by the fuzzer).
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return .wrong }
        let userPass = String(decoding: decoded, as: UTF8.self)
        let user = String(decoding: decoded[..<colon], as: UTF8.self)
        let password = String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        if let userColonPassword, TimingSafe.equal(userPass, userColonPassword) { return .user(user) }
        var matched = false
        for entry in rpcauth where TimingSafe.equal(entry.user, user) {
            // Every entry for the user is checked, so the time does not tell which matched.
            if entry.verify(password: password) { matched = true }
        }
        return matched ? .user(user) : .wrong
    }

    /// `bytes` without leading and trailing bytes of bitcoind's default trim pattern.
    static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        func isTrimmed(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x0C || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0B
        }
        var view = bytes
        while let first = view.first, isTrimmed(first) { view = view.dropFirst() }
        while let last = view.last, isTrimmed(last) { view = view.dropLast() }
        return view
    }

    /// Whether the allowlists apply to anyone at all (when false, every user may call anything).
    public var hasAllowlists: Bool { allowlistDefault || !allowlists.isEmpty }

    /// Whether `user` may call `method`.
    public func permits(_ user: String, _ method: String) -> Bool {
        guard let list = allowlists[user] else { return !allowlistDefault }
        return list.contains(method)
    }

    /// Whether `user` may call anything (bitcoind refuses users without a list, when lists are
    /// the default, before looking at the request).
    public func mayCallAnything(_ user: String) -> Bool {
        allowlists[user] != nil || !allowlistDefault
    }

    /// Whether `user` has an allowlist (so each call's method must be checked).
    public func isRestricted(_ user: String) -> Bool { allowlists[user] != nil || allowlistDefault }
}
