import DriverProtocol
import Foundation
import JSON
import JSONSchema
import Testing

/// What the test suite does not cover: the violation's path and keyword, `$ref` across
/// documents by relative URI (as docs/schemas does), and the bounds.
@Suite struct ValidatorTests {
    static func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Two documents in the shape of docs/schemas: a message schema referring to `common.json`.
    static func registry() throws -> (SchemaRegistry, String) {
        var registry = SchemaRegistry()
        try registry.add(try json(#"""
            {"$id": "https://altnet.invalid/schemas/common.json",
             "$defs": {"peerInfo": {"type": "object", "additionalProperties": false, "required": ["id"],
                                    "properties": {"id": {"type": "string", "minLength": 1},
                                                   "start_height": {"type": "integer", "minimum": 0}}}}}
            """#), uri: "file:///somewhere/docs/schemas/common.json")
        let uri = try registry.add(try json(#"""
            {"$id": "https://altnet.invalid/schemas/peerconnected.notification.json",
             "type": "object", "required": ["jsonrpc", "method", "params"], "additionalProperties": false,
             "properties": {"jsonrpc": {"const": "2.0"}, "method": {"const": "peerconnected"},
                            "params": {"type": "object", "properties": {"peer": {"$ref": "common.json#/$defs/peerInfo"}}}}}
            """#), uri: "file:///somewhere/docs/schemas/peerconnected.notification.json")
        return (registry, uri)
    }

    @Test func violationsNameTheInstancePathAndTheKeyword() throws {
        let (registry, uri) = try Self.registry()
        let validator = SchemaValidator(registry: registry)
        let good = try Self.json(#"{"jsonrpc":"2.0","method":"peerconnected","params":{"peer":{"id":"p","start_height":7}}}"#)
        #expect(validator.validate(good, against: uri).isEmpty)

        let wrongType = try Self.json(#"{"jsonrpc":"2.0","method":"peerconnected","params":{"peer":{"id":"p","start_height":"7"}}}"#)
        #expect(validator.validate(wrongType, against: uri).map(\.description) == ["/params/peer/start_height: expected integer, got string (type)"])

        let several = try Self.json(#"{"jsonrpc":"1.0","params":{"peer":{"id":"","extra/field":1,"start_height":-1}}}"#)
        let found = Set(validator.validate(several, against: uri).map { "\($0.instancePath) \($0.keyword)" })
        #expect(found == ["/jsonrpc const", " required", "/params/peer/id minLength", "/params/peer/extra~1field additionalProperties",
                          "/params/peer/start_height minimum"])
    }

    @Test func refResolvesAgainstTheRetrievalURIWithoutAnID() throws {
        var registry = SchemaRegistry()
        try registry.add(try Self.json(#"{"$defs": {"n": {"type": "integer"}}}"#), uri: "file:///s/common.json")
        let uri = try registry.add(try Self.json(#"{"items": {"$ref": "common.json#/$defs/n"}}"#), uri: "file:///s/list.json")
        let validator = SchemaValidator(registry: registry)
        #expect(validator.validate(try Self.json("[1, 2]"), against: uri).isEmpty)
        #expect(validator.validate(try Self.json(#"[1, "2"]"#), against: uri).map(\.description) == ["/1: expected integer, got string (type)"])
        let missing = try registry.add(try Self.json(#"{"$ref": "nowhere.json"}"#), uri: "file:///s/bad.json")
        #expect(SchemaValidator(registry: registry).validate(.null, against: missing).map(\.keyword) == ["$ref"])
    }

    @Test func aRefCycleEndsAtTheDepthBound() throws {
        var registry = SchemaRegistry()
        let uri = try registry.add(try Self.json(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##))
        let violations = SchemaValidator(registry: registry).validate(.int(1), against: uri)
        #expect(violations.count == 1)
        #expect(violations.first?.message.contains("deeper than \(SchemaLimits.maxDepth)") == true)
    }

    @Test func violationsAreCapped() throws {
        var registry = SchemaRegistry()
        let uri = try registry.add(try Self.json(#"{"items": {"type": "string"}}"#))
        let instance = JSONValue.array(Array(repeating: .int(1), count: 10_000))
        #expect(SchemaValidator(registry: registry).validate(instance, against: uri).count == SchemaLimits.maxViolations)
    }

    @Test func uniqueItemsOnALongArrayIsLinear() throws {
        var registry = SchemaRegistry()
        let uri = try registry.add(try Self.json(#"{"uniqueItems": true}"#))
        let validator = SchemaValidator(registry: registry)
        var items = (0..<200_000).map { JSONValue.int(Int64($0)) }
        let start = ContinuousClock.now
        #expect(validator.validate(.array(items), against: uri).isEmpty)
        items.append(.double(17.0))  // equal to 17 as JSON
        #expect(validator.validate(.array(items), against: uri).map(\.description) == ["/: item 200000 repeats an earlier item (uniqueItems)"])
        // Quadratic comparison would take minutes; hashing takes well under a second here.
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func unsupportedKeywordsAreRefusedNotIgnored() throws {
        var registry = SchemaRegistry()
        #expect(throws: SchemaError.self) {
            try registry.add(try Self.json(#"{"properties": {"a": {"unevaluatedProperties": false}}}"#))
        }
        // A property *named* like a keyword is no use of it.
        #expect(throws: Never.self) {
            try registry.add(try Self.json(#"{"properties": {"unevaluatedProperties": {"type": "string"}}}"#))
        }
    }
}
