/// Why text is not a JSON value that ``JSONValue/parse(_:limits:)`` accepts.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Longer than ``JSONLimits/maxBytes``.
        case tooLarge
        /// Nested deeper than ``JSONLimits/maxDepth``.
        case tooDeep
        /// Not JSON (RFC 8259): a syntax error, an invalid escape or UTF-8, a number out of range.
        case malformed
    }

    public let kind: Kind
    /// The byte offset where reading stopped.
    public let offset: Int
    public let reason: String

    public init(_ kind: Kind, at offset: Int, _ reason: String) {
        self.kind = kind
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte \(offset)" }
}
