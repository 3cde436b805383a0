/// Something Core Lightning or the other half sent that cannot be used, with what was wrong.
public struct CLNError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    /// - Parameter description: what was wrong, for the log.
    public init(_ description: String) { self.description = description }
}
