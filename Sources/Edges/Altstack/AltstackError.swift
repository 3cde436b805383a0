import DriverProtocol

/// Why a routed request failed as a whole.
public struct AltstackError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// No registered driver declares the required capabilities.
        case noEligibleDriver
        /// Eligible drivers exist, but none is running.
        case noReadyDriver
        /// Every attempt failed; ``attempts`` lists each driver's error in order.
        case allFailed
        /// The overall deadline passed.
        case timeout
    }

    public let kind: Kind
    /// Each driver tried, in order, with its error.
    public let attempts: [Attempt]

    public struct Attempt: Sendable, Hashable {
        public let driver: String
        public let error: DriverProtocolError
    }

    public var description: String {
        let tried = attempts.map { "\($0.driver): \($0.error)" }.joined(separator: "; ")
        return tried.isEmpty ? kind.rawValue : "\(kind.rawValue) [\(tried)]"
    }
}

/// The winning answer of an anycast.
public struct AnycastAnswer<R: Sendable>: Sendable {
    /// The driver that answered.
    public let driver: String
    public let value: R
    /// Drivers that were tried first and failed, in order.
    public let failures: [AltstackError.Attempt]
}

/// One driver's outcome in a broadcast.
public struct BroadcastOutcome<R: Sendable>: Sendable {
    public let driver: String
    public let result: Result<R, DriverProtocolError>
}
