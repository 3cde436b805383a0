/// One way an instance fails its schema: where (a JSON Pointer into the instance), which
/// keyword, and what was wrong.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer to the failing value, `""` for the whole instance (e.g. `/params/peer/start_height`).
    public var instancePath: String
    /// The keyword that failed (`type`, `required`, `additionalProperties`, ...).
    public var keyword: String
    /// What was expected and what was found.
    public var message: String

    public init(instancePath: String, keyword: String, message: String) {
        self.instancePath = instancePath
        self.keyword = keyword
        self.message = message
    }

    /// `/params/peer/start_height: expected integer, got null (type)`; the root shows as `/`.
    public var description: String {
        "\(instancePath.isEmpty ? "/" : instancePath): \(message) (\(keyword))"
    }
}
