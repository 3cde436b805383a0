import Foundation
import JSON
import Testing

/// The one parser: what it reads, what it refuses and with which kind, and its bounds.
@Suite struct JSONParseTests {
    static func parse(_ text: String, _ limits: JSONLimits = .standard) throws(JSONParseError) -> JSONValue {
        try JSONValue.parse(Array(text.utf8), limits: limits)
    }

    static func kind(_ text: String, _ limits: JSONLimits = .standard) -> JSONParseError.Kind? {
        do {
            _ = try parse(text, limits)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func scalars() throws {
        #expect(try Self.parse("null") == .null)
        #expect(try Self.parse(" true ") == .bool(true))
        #expect(try Self.parse("false") == .bool(false))
        #expect(try Self.parse("8333") == .int(8333))
        #expect(try Self.parse("-0") == .int(0))
        #expect(try Self.parse("9223372036854775807") == .int(Int64.max))
        #expect(try Self.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try Self.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try Self.parse("1.5") == .double(1.5))
        #expect(try Self.parse("1e3") == .double(1000))
        #expect(try Self.parse("-2.5E-3") == .double(-0.0025))
        #expect(try Self.parse(#""a""#) == .string("a"))
    }

    @Test func stringEscapesAndUTF8() throws {
        #expect(try Self.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try Self.parse(#""caf\u00e9 \u00E9""#) == .string("café é"))
        #expect(try Self.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try Self.parse("\"😀 é\"") == .string("😀 é"))
        #expect(try Self.parse(#""a\u0000b""#) == .string("a\u{0}b"))
    }

    @Test func objectsKeepTheirOrderAndTheFirstOfARepeatedKey() throws {
        let value = try Self.parse(#"{"z":1,"a":{"y":[],"b":{}},"m":null,"z":2}"#)
        guard case .object(let members) = value else {
            Issue.record("not an object: \(value)")
            return
        }
        #expect(members.keys == ["z", "a", "m"])
        #expect(members["z"] == .int(1))
        #expect(value["a"]?.objectValue?.keys == ["y", "b"])
        #expect(value.text() == #"{"z":1,"a":{"y":[],"b":{}},"m":null}"#)
    }

    @Test(arguments: [
        "", " ", "[1,]", #"{"a":1,}"#, "[1 2]", #"{"a" 1}"#, "{1:2}", "01", "-", "1.", ".5", "+1", "1e", "1e+",
        "tru", "nul", "True", "[", "{", #"{"a":"#, #""abc"#, #""\x""#, #""\u12G4""#, #""\ud800""#, #""\udc00x""#,
        #""\ud800\u0041""#, "\"\u{01}\"", "\"a\nb\"", "[1] 2", "1e400", "-1e400", "NaN", "Infinity", "[1]]", "'a'",
    ])
    func malformedTextIsRefused(text: String) {
        #expect(Self.kind(text) == .malformed, "\(text.debugDescription)")
    }

    @Test func invalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x5B, 0x22, 0x5C, 0x22, 0xF8, 0x22, 0x5D]] {
            #expect(throws: JSONParseError.self, "\(bytes)") { try JSONValue.parse(bytes) }
        }
    }

    @Test func depthIsBounded() throws {
        let limits = JSONLimits(maxBytes: 1 << 20, maxDepth: 64)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let over = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(try Self.parse(ok, limits).text() == ok)
        #expect(Self.kind(over, limits) == .tooDeep)
        #expect(Self.kind(objects, limits) == .tooDeep)
        // Far beyond any stack: refused as it opens, not a crash.
        #expect(Self.kind(String(repeating: "[", count: 1_000_000), .standard) == .tooDeep)
        #expect(Self.kind(String(repeating: #"{"a":"#, count: 200_000), .standard) == .tooDeep)
    }

    @Test func sizeIsBoundedBeforeReading() {
        let limits = JSONLimits(maxBytes: 10, maxDepth: 8)
        #expect(Self.kind(#""123456789""#, limits) == .tooLarge)
        #expect(Self.kind(#""12345678""#, limits) == nil)
        let big = [UInt8](repeating: 0x20, count: JSONLimits.standard.maxBytes + 1)
        #expect(throws: JSONParseError(.tooLarge, at: 0, "text of \(big.count) bytes is over the limit of \(JSONLimits.standard.maxBytes)")) {
            try JSONValue.parse(big)
        }
    }

    @Test func errorsSayWhere() {
        do {
            _ = try Self.parse(#"{"a":[1,2,x]}"#)
            Issue.record("accepted")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.offset == 10)
        }
    }
}
