/// Why a BIP324 transport or cipher refused input. Peer bytes never trap: they end here.
///
/// A struct over ``Kind`` so that kinds can be added without breaking callers; ``action`` tells
/// the caller what to do next.
public struct BIP324Error: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// More than 4095 bytes arrived after the peer's key without its garbage terminator.
        case garbageTerminatorNotFound(receivedBytes: Int)
        /// A packet's Poly1305 tag did not verify: damage, a wrong key, or an attacker.
        case packetAuthenticationFailed
        /// A decrypted length prefix above ``BIP324Transport/maxContentsLength``; refused before
        /// any buffer for the packet was allocated.
        case contentsTooLarge(length: Int)
        /// The peer's ElligatorSwift encoding did not yield a usable shared secret.
        case keyAgreementFailed(String)
        /// A packet whose contents do not start with a valid message type.
        case invalidMessageType(String)
        /// Our caller passed something out of range (for example more than 4095 garbage bytes).
        case invalidArgument(String)
        /// The transport already failed, or fell back to v1; it takes no more input.
        case transportClosed
        /// swift-crypto refused an operation (wrong key or nonce sizes: a bug, not peer input).
        case cryptoFailure(String)
    }

    /// What the caller should do about the error.
    public enum Action: Equatable, Sendable {
        /// Drop the connection; reconnecting with v2 may work (damage, bad peer).
        case disconnect
        /// Fix the call (a programming error on our side).
        case fixCaller
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var action: Action {
        switch kind {
        case .invalidArgument, .cryptoFailure: return .fixCaller
        default: return .disconnect
        }
    }

    public var description: String {
        switch kind {
        case .garbageTerminatorNotFound(let n):
            return "BIP324: no garbage terminator within 4095 bytes of garbage (\(n) bytes received after the key); disconnect"
        case .packetAuthenticationFailed:
            return "BIP324: packet authentication failed (damaged data or wrong keys); disconnect"
        case .contentsTooLarge(let n):
            return "BIP324: packet length \(n) exceeds the maximum \(BIP324Transport.maxContentsLength); disconnect"
        case .keyAgreementFailed(let why): return "BIP324: key agreement failed: \(why)"
        case .invalidMessageType(let why): return "BIP324: invalid message type: \(why)"
        case .invalidArgument(let why): return "BIP324: invalid argument: \(why)"
        case .transportClosed: return "BIP324: transport is closed (failed earlier or fell back to v1)"
        case .cryptoFailure(let why): return "BIP324: crypto library failure: \(why)"
        }
    }
}
