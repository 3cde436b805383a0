import JSON

/// Validates JSON values against schemas in a ``SchemaRegistry`` (the 2020-12 subset listed in
/// ``SchemaKeywords``). Pure and bounded: `$ref` chains and nesting stop at
/// ``SchemaLimits/maxDepth``, at most ``SchemaLimits/maxViolations`` violations are kept.
///
/// ```swift
/// var registry = SchemaRegistry()
/// try registry.add(common, uri: "file:///schemas/common.json")
/// let uri = try registry.add(peerConnected, uri: "file:///schemas/peerconnected.notification.json")
/// SchemaValidator(registry: registry).validate(message, against: uri)
/// // [/params/peer/start_height: expected integer, got null (type)]
/// ```
public struct SchemaValidator: Sendable {
    public let registry: SchemaRegistry

    public init(registry: SchemaRegistry) { self.registry = registry }

    /// Validates an instance.
    /// - Parameters:
    ///   - instance: the parsed JSON value.
    ///   - uri: the schema's URI, as ``SchemaRegistry/add(_:uri:)`` returned it (a fragment may
    ///     point inside it, e.g. `...common.json#/$defs/hex`).
    /// - Returns: the violations, empty when the instance is valid.
    public func validate(_ instance: JSONValue, against uri: String) -> [SchemaViolation] {
        guard let located = registry.locate(uri) else {
            return [SchemaViolation(instancePath: "", keyword: "$ref", message: "no schema at \(uri)")]
        }
        let evaluation = SchemaEvaluation(registry: registry)
        return evaluation.check(instance, located.schema, base: located.outerBase, path: [], depth: 0, limit: SchemaLimits.maxViolations)
    }
}
