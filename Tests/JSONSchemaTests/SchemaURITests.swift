@testable import JSONSchema
import Testing

/// Reference resolution against RFC 3986's own examples (section 5.4.1 "Normal Examples" and
/// 5.4.2 "Abnormal Examples", base `http://a/b/c/d;p?q`), the rule `$id` and `$ref` follow.
@Suite struct SchemaURITests {
    static let base = "http://a/b/c/d;p?q"

    @Test(arguments: [
        // 5.4.1
        ("g:h", "g:h"), ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"), ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"), ("g#s", "http://a/b/c/g#s"), ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"), ("g;x", "http://a/b/c/g;x"), ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"), ("..", "http://a/b/"),
        ("../", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../", "http://a/"),
        ("../../g", "http://a/g"),
        // 5.4.2
        ("../../../g", "http://a/g"), ("../../../../g", "http://a/g"), ("/./g", "http://a/g"), ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."), (".g", "http://a/b/c/.g"), ("g..", "http://a/b/c/g.."), ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"), ("./g/.", "http://a/b/c/g/"), ("g/./h", "http://a/b/c/g/h"), ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"), ("g;x=1/../y", "http://a/b/c/y"), ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g?y/../x", "http://a/b/c/g?y/../x"), ("g#s/./x", "http://a/b/c/g#s/./x"), ("g#s/../x", "http://a/b/c/g#s/../x"),
        ("http:g", "http:g"),
    ])
    func rfc3986Examples(reference: String, expected: String) {
        #expect(SchemaURI.resolve(reference, against: Self.base) == expected)
    }

    @Test func theProtocolSchemasRefs() {
        #expect(SchemaURI.resolve("common.json#/$defs/hex", against: "https://altnet.invalid/schemas/ping.request.json")
            == "https://altnet.invalid/schemas/common.json#/$defs/hex")
        #expect(SchemaURI.resolve("#/$defs/a", against: "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed")
            == "urn:uuid:deadbeef-1234-ffff-ffff-4321feebdaed#/$defs/a")
    }
}
