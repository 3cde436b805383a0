import JSON
import Testing

/// The one scanner, with the cases of both scanners it replaced: the driver protocol's envelope
/// reader (one object per line) and the RPC proxy's (an object or a batch array).
@Suite struct JSONScannerTests {
    static func object(_ text: String, maxDepth: Int = JSONScanner.maxDepth) -> JSONScanner.Members? {
        Array(text.utf8).withUnsafeBytes { try? JSONScanner.object(of: $0, maxDepth: maxDepth) }
    }

    static func shape(_ text: String) -> JSONScanner.Shape? {
        Array(text.utf8).withUnsafeBytes { try? JSONScanner.shape(of: $0) }
    }

    static func member(_ text: String, _ range: Range<Int>?) -> String? {
        range.map { String(decoding: Array(text.utf8)[$0], as: UTF8.self) }
    }

    @Test func findsTheEnvelopeMembers() throws {
        let line = #" {"jsonrpc":"2.0", "id" : 7,"method":"ping","params":{"a":[1,{"b":"}"}]},"x":null} "#
        let m = try #require(Self.object(line))
        #expect(Self.member(line, m.jsonrpc) == #""2.0""#)
        #expect(Self.member(line, m.id) == "7")
        #expect(Self.member(line, m.method) == #""ping""#)
        #expect(Self.member(line, m.params) == #"{"a":[1,{"b":"}"}]}"#)
        #expect(m.result == nil && m.error == nil && !m.ambiguousKey)
        #expect(Self.member(line, m.range)?.first == "{" && Self.member(line, m.range)?.last == "}")
        let answer = #"{"jsonrpc":"2.0","id":"x","result":[true,false,null,-1.5e3],"error":null}"#
        let a = try #require(Self.object(answer))
        #expect(Self.member(answer, a.result) == "[true,false,null,-1.5e3]")
        #expect(Self.member(answer, a.error) == "null")
        #expect(Self.member(answer, a.id) == #""x""#)
    }

    @Test func firstOfARepeatedKeyWinsAndIsFlagged() throws {
        let text = #"{"method":"getblockcount","method":"stop"}"#
        let m = try #require(Self.object(text))
        #expect(Self.member(text, m.method) == #""getblockcount""#)
        #expect(m.ambiguousKey)
        #expect(try #require(Self.object(#"{"m\u0065thod":"stop"}"#)).ambiguousKey)
        #expect(try #require(Self.object(#"{"m\u0065thod":"stop"}"#)).method == nil)
        #expect(try #require(Self.object(#"{"method":"a","other":1,"other":2}"#)).ambiguousKey == false)
    }

    @Test func batchesListEachElement() throws {
        let text = #" [ {"method":"a"}, 5, {"method":"b\"c"}, {"method":7}, {} ] "#
        guard case .array(let elements)? = Self.shape(text) else {
            Issue.record("not an array")
            return
        }
        #expect(elements.count == 5)
        #expect(elements[1] == nil)
        #expect(Self.member(text, elements[2]?.method) == #""b\"c""#)
        #expect(Self.member(text, elements[3]?.method) == "7")
        #expect(elements[4]?.method == nil)
        #expect(Self.shape("[]") == .array([]))
        #expect(Self.object("[]") == nil)
    }

    @Test(arguments: [
        "", "5", "\"x\"", "{", "[{\"method\":\"a\"}", "{\"method\":\"a\"} x", "{\"method\" \"a\"}", "[1,]", "{\"a\":1,}",
        "not json", "{\"id\":abc}", "{\"id\":tru}", "{\"a\":[1 2]}", "{\"a\":}", "{a:1}", "{\"a\":\"unterminated}",
    ])
    func malformedTextIsRefused(text: String) {
        #expect(Self.shape(text) == nil, "\(text.debugDescription)")
        #expect(Self.object(text) == nil, "\(text.debugDescription)")
    }

    @Test func depthIsBounded() {
        let deep = "{\"params\":" + String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000) + "}"
        #expect(Self.shape(deep) == nil)
        // maxDepth counts the top-level object: 64 levels inside it pass at 65, not at 64.
        let line = "{\"params\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        #expect(Self.object(line, maxDepth: 65) != nil)
        #expect(Self.object(line, maxDepth: 64) == nil)
        #expect(Self.shape(String(repeating: "[", count: 1_000_000)) == nil)
    }
}
