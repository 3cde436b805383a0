import JSON

/// Schema documents by URI, with every embedded resource (`$id`) and anchor (`$anchor`) indexed,
/// so that `$ref` resolves across documents (`common.json#/$defs/hex`), to JSON Pointers and to
/// anchors. Pure: the caller reads the files and hands over their parsed contents.
public struct SchemaRegistry: Sendable {
    /// A schema with the base URI in effect *around* it (its own `$id`, if any, is applied when
    /// it is evaluated).
    struct Located: Sendable {
        var schema: JSONValue
        var outerBase: String
    }

    /// Resources by absolute URI without fragment.
    private(set) var resources: [String: Located] = [:]
    /// Anchors by `resource-uri#name`.
    private(set) var anchors: [String: Located] = [:]
    /// Every `pattern` and `patternProperties` name of the schemas, compiled.
    private(set) var patterns: [String: SchemaPattern] = [:]

    public init() {}

    /// Adds a schema document.
    /// - Parameters:
    ///   - document: the parsed schema (an object or a boolean).
    ///   - uri: the URI it was retrieved from, used as its base when it has no absolute `$id`
    ///     (for example `file:///.../common.json`); a placeholder when nil.
    /// - Returns: the document's base URI (its `$id` resolved against `uri`), to validate against.
    /// - Throws: ``SchemaError`` when the schema uses a keyword outside the supported subset
    ///   (``SchemaKeywords/unsupported``), has a pattern ``SchemaPattern`` cannot compile, or is
    ///   neither an object nor a boolean.
    @discardableResult
    public mutating func add(_ document: JSONValue, uri: String? = nil) throws(SchemaError) -> String {
        switch document {
        case .object, .bool: break
        default: throw SchemaError("a schema must be an object or a boolean, not \(document.schemaTypeName)")
        }
        let unsupported = SchemaKeywords.unsupportedKeywords(in: document)
        guard unsupported.isEmpty else {
            throw SchemaError("schema uses unsupported keywords: \(unsupported.sorted().joined(separator: ", "))")
        }
        let retrieval = SchemaURI.splitFragment(uri ?? "urn:altnet:schema:\(resources.count)").resource
        var copy = self
        try copy.index(document, outerBase: retrieval, depth: 0)
        copy.resources[retrieval] = Located(schema: document, outerBase: retrieval)
        self = copy
        return Self.base(of: document, outerBase: retrieval)
    }

    /// The base URI inside `schema`: its `$id` resolved against `outerBase`, fragment dropped.
    static func base(of schema: JSONValue, outerBase: String) -> String {
        guard case .object(let members) = schema, case .string(let id)? = members["$id"] else { return outerBase }
        return SchemaURI.splitFragment(SchemaURI.resolve(id, against: outerBase)).resource
    }

    private mutating func index(_ schema: JSONValue, outerBase: String, depth: Int) throws(SchemaError) {
        guard depth < SchemaLimits.maxDepth, case .object(let members) = schema else { return }
        var sources: [String] = []
        if case .string(let pattern)? = members["pattern"] { sources.append(pattern) }
        if case .object(let named)? = members["patternProperties"] { sources.append(contentsOf: named.keys) }
        for source in sources where patterns[source] == nil { patterns[source] = try SchemaPattern(source) }
        let inner = Self.base(of: schema, outerBase: outerBase)
        if members["$id"] != nil { resources[inner] = Located(schema: schema, outerBase: outerBase) }
        if case .string(let anchor)? = members["$anchor"] {
            anchors[inner + "#" + anchor] = Located(schema: schema, outerBase: outerBase)
        }
        for (keyword, value) in members {
            if SchemaKeywords.single.contains(keyword) {
                try index(value, outerBase: inner, depth: depth + 1)
            } else if SchemaKeywords.map.contains(keyword), case .object(let entries) = value {
                for entry in entries.values { try index(entry, outerBase: inner, depth: depth + 1) }
            } else if SchemaKeywords.array.contains(keyword), case .array(let entries) = value {
                for entry in entries { try index(entry, outerBase: inner, depth: depth + 1) }
            }
        }
    }

    /// Finds the schema an absolute URI (with or without fragment) names.
    /// - Returns: the schema and the base URI around it, or nil when nothing is there.
    func locate(_ uri: String) -> Located? {
        let (resource, fragment) = SchemaURI.splitFragment(uri)
        guard let root = resources[resource] else { return nil }
        if fragment.isEmpty { return root }
        guard let tokens = JSONPointer.tokens(fragment: fragment) else {
            return anchors[resource + "#" + fragment]
        }
        return Self.follow(tokens, from: root)
    }

    /// Walks a JSON Pointer from a schema, applying each `$id` passed through on the way.
    private static func follow(_ tokens: [String], from start: Located) -> Located? {
        enum Position { case schema, schemaMap, schemaArray, other }
        var node = start.schema
        var base = start.outerBase
        var position = Position.schema
        for token in tokens {
            if position == .schema { base = Self.base(of: node, outerBase: base) }
            switch node {
            case .object(let members):
                guard let child = members[token] else { return nil }
                node = child
            case .array(let items):
                guard let index = Int(token), index >= 0, index < items.count, String(index) == token else { return nil }
                node = items[index]
            default:
                return nil
            }
            switch position {
            case .schema:
                position = SchemaKeywords.single.contains(token) ? .schema
                    : SchemaKeywords.map.contains(token) ? .schemaMap
                    : SchemaKeywords.array.contains(token) ? .schemaArray : .other
            case .schemaMap, .schemaArray: position = .schema
            case .other: position = .other
            }
        }
        return Located(schema: node, outerBase: base)
    }
}
