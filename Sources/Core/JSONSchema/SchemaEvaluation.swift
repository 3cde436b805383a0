import JSON

/// One validation run: walks a schema over an instance, keyword by keyword.
final class SchemaEvaluation {
    let registry: SchemaRegistry

    init(registry: SchemaRegistry) { self.registry = registry }

    /// Where one schema object is being applied.
    struct Frame {
        var members: JSONObject
        /// The base URI inside this schema (its `$id` applied).
        var base: String
        /// Instance path tokens.
        var path: [String]
        var depth: Int
        /// Stop collecting at this many violations (1 when only validity matters).
        var limit: Int
    }

    /// The violations of `instance` against `schema`, at most `limit`.
    func check(_ instance: JSONValue, _ schema: JSONValue, base: String, path: [String], depth: Int, limit: Int) -> [SchemaViolation] {
        var out: [SchemaViolation] = []
        evaluate(instance, schema, base: base, path: path, depth: depth, limit: limit, into: &out)
        return out
    }

    /// True when `instance` is valid against `schema` (stops at the first violation).
    func passes(_ instance: JSONValue, _ schema: JSONValue, _ frame: Frame, path: [String]? = nil) -> Bool {
        check(instance, schema, base: frame.base, path: path ?? frame.path, depth: frame.depth + 1, limit: 1).isEmpty
    }

    /// Applies a subschema of `frame` to `instance` (or a part of it at `path`).
    func apply(_ instance: JSONValue, _ schema: JSONValue, _ frame: Frame, path: [String]? = nil, base: String? = nil,
               into out: inout [SchemaViolation]) {
        evaluate(instance, schema, base: base ?? frame.base, path: path ?? frame.path, depth: frame.depth + 1, limit: frame.limit, into: &out)
    }

    func evaluate(
        _ instance: JSONValue, _ schema: JSONValue, base: String, path: [String], depth: Int, limit: Int,
        into out: inout [SchemaViolation]
    ) {
        guard out.count < limit else { return }
        switch schema {
        case .bool(true):
            return
        case .bool(false):
            out.append(violation(path, "false", "no value is allowed here"))
        case .object(let members):
            guard depth < SchemaLimits.maxDepth else {
                out.append(violation(path, "$ref", "schema nesting deeper than \(SchemaLimits.maxDepth) (a $ref cycle?)"))
                return
            }
            let frame = Frame(members: members, base: SchemaRegistry.base(of: schema, outerBase: base), path: path, depth: depth, limit: limit)
            assertions(instance, frame, into: &out)
            applicators(instance, frame, into: &out)
        default:
            out.append(violation(path, "schema", "invalid schema: \(schema.schemaText())"))
        }
    }

    /// Appends unless the frame's limit is reached.
    func record(_ frame: Frame, _ keyword: String, _ message: String, at path: [String]? = nil, into out: inout [SchemaViolation]) {
        if out.count < frame.limit { out.append(violation(path ?? frame.path, keyword, message)) }
    }

    func violation(_ path: [String], _ keyword: String, _ message: String) -> SchemaViolation {
        SchemaViolation(instancePath: JSONPointer.render(path), keyword: keyword, message: message)
    }

    /// Whether `text` matches `pattern` (unanchored, as the draft says), with the pattern the
    /// registry compiled when the schema was added.
    /// - Returns: nil when the registry has no such pattern (never for a loaded schema).
    func matches(_ text: String, pattern: String) -> Bool? {
        registry.patterns[pattern]?.matches(text)
    }
}
