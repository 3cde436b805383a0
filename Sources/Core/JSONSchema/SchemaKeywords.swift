import JSON

/// The JSON Schema 2020-12 keywords this validator knows, grouped by where they hold subschemas.
///
/// Supported (assertions and applicators of the core and validation vocabularies):
/// `$id`, `$anchor`, `$ref`, `$defs`, boolean schemas, `allOf`, `anyOf`, `oneOf`, `not`,
/// `if`/`then`/`else`, `properties`, `patternProperties`, `additionalProperties`, `propertyNames`,
/// `dependentSchemas`, `prefixItems`, `items`, `contains`, `minContains`, `maxContains`, `type`,
/// `enum`, `const`, `multipleOf`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
/// `minLength`, `maxLength`, `pattern`, `minItems`, `maxItems`, `uniqueItems`, `minProperties`,
/// `maxProperties`, `required`, `dependentRequired`. Annotations (`title`, `description`,
/// `default`, `format`, `examples`, `$comment`, `content*`, ...) are ignored, as the draft allows.
public enum SchemaKeywords {
    /// Keywords whose value is one subschema.
    static let single: Set<String> = [
        "items", "not", "additionalProperties", "contains", "if", "then", "else", "propertyNames",
        "unevaluatedItems", "unevaluatedProperties", "contentSchema",
    ]
    /// Keywords whose value maps names to subschemas.
    static let map: Set<String> = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]
    /// Keywords whose value is an array of subschemas.
    static let array: Set<String> = ["allOf", "anyOf", "oneOf", "prefixItems"]

    /// Keywords with validation meaning that this validator does not implement; a schema using
    /// one is refused when loaded rather than half-checked.
    public static let unsupported: Set<String> = [
        "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor",
        "unevaluatedItems", "unevaluatedProperties", "$vocabulary",
    ]

    /// The unsupported keywords a schema uses, looking only at schema positions (a property
    /// *named* `unevaluatedItems` under `properties` is not a use).
    /// - Parameter schema: a schema document or subschema.
    /// - Returns: the unsupported keywords found, empty when the schema is within the subset.
    public static func unsupportedKeywords(in schema: JSONValue) -> Set<String> {
        var found: Set<String> = []
        forEachSubschema(of: schema, depth: 0) { subschema in
            if case .object(let members) = subschema {
                found.formUnion(unsupported.intersection(members.keys))
            }
        }
        return found
    }

    /// Calls `body` on `schema` and on every subschema under it, depth first.
    /// Stops descending below `SchemaLimits.maxDepth` levels.
    static func forEachSubschema(of schema: JSONValue, depth: Int, _ body: (JSONValue) -> Void) {
        body(schema)
        guard depth < SchemaLimits.maxDepth, case .object(let members) = schema else { return }
        for (keyword, value) in members {
            if single.contains(keyword) {
                forEachSubschema(of: value, depth: depth + 1, body)
            } else if map.contains(keyword), case .object(let entries) = value {
                for entry in entries.values { forEachSubschema(of: entry, depth: depth + 1, body) }
            } else if array.contains(keyword), case .array(let entries) = value {
                for entry in entries { forEachSubschema(of: entry, depth: depth + 1, body) }
            }
        }
    }
}
