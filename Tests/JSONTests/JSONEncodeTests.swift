import Foundation
import JSON
import Testing

/// The one encoder: compact text, members in order, bitcoind's escaping, and the two ways of
/// writing doubles (round-trip shortest, or bitcoind's `%.16g`).
@Suite struct JSONEncodeTests {
    @Test func doublesInBothFormats() {
        let cases: [(Double, String, String)] = [
            (0.1, "0.1", "0.1"),
            (0.1 + 0.2, "0.30000000000000004", "0.3"),
            (1.0 / 3, "0.3333333333333333", "0.3333333333333333"),
            (4.656542373906925e-10, "4.656542373906925e-10", "4.656542373906925e-10"),
            (1e-7, "1e-07", "1e-07"),
            (1e16, "1e+16", "1e+16"),
            (2.5, "2.5", "2.5"),
            (1, "1.0", "1"),
            (.infinity, "null", "null"),
            (.nan, "null", "null"),
        ]
        for (value, standard, bitcoind) in cases {
            #expect(JSONValue.double(value).text() == standard, "\(value)")
            #expect(JSONValue.double(value).text(.bitcoind) == bitcoind, "\(value)")
        }
    }

    @Test func decimalsHaveExactlyTheirScale() {
        #expect(JSONValue.decimal(units: 0, scale: 8).text() == "0.00000000")
        #expect(JSONValue.decimal(units: 1000, scale: 8).text() == "0.00001000")
        #expect(JSONValue.decimal(units: -150_000_000, scale: 8).text() == "-1.50000000")
        #expect(JSONValue.decimal(units: 2_100_000_000_000_000, scale: 8).text(.bitcoind) == "21000000.00000000")
        #expect(JSONValue.decimal(units: .min, scale: 8).text() == "-92233720368.54775808")
        #expect(JSONValue.decimal(units: 42, scale: 0).text() == "42")
        #expect(JSONValue.decimal(units: 1000, scale: 8).doubleValue == 0.00001)
    }

    @Test func stringsEscapedAsBitcoindDoes() {
        let text = "q\"b\\s/\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F}é😀"
        #expect(JSONValue.string(text).text() == #""q\"b\\s/\n\r\t\b\f\u0001\u001f"# + "\u{7F}é😀\"")
        #expect(JSONValue.string("").text() == #""""#)
    }

    @Test func containersKeepTheOrderTheyWereBuiltIn() {
        let value: JSONValue = .object([
            ("result", .object([("chain", "regtest"), ("blocks", 0), ("amount", .decimal(units: 5_000_000_000, scale: 8))])),
            ("error", .null), ("id", [1, "x", true, 1.5]),
        ])
        #expect(value.text() == #"{"result":{"chain":"regtest","blocks":0,"amount":50.00000000},"error":null,"id":[1,"x",true,1.5]}"#)
        let literal: JSONValue = ["z": 1, "a": 2]
        #expect(literal.text() == #"{"z":1,"a":2}"#)
        #expect(JSONValue.object(JSONObject(["z": 1, "a": 2])).text() == #"{"a":2,"z":1}"#)
    }

    @Test func parseOfEncodedIsIdentity() throws {
        let value: JSONValue = [
            "ints": [0, -1, .int(Int64.max), .int(Int64.min)],
            "doubles": [0.5, -1e-300, 1.7976931348623157e308, 5e-324, 0.30000000000000004],
            "strings": ["", "\u{0}\u{1F}\"\\/", "é😀", "\u{7F}"],
            "nested": [["a": [[], [:]]], .null, true, false],
        ]
        for format in [JSONFormat.standard] {
            #expect(try JSONValue.parse(value.encoded(format)) == value)
        }
        #expect(try JSONValue.parse(JSONValue.decimal(units: 123_456, scale: 3).encoded()) == .double(123.456))
    }

    @Test func codableBridgeAgreesWithTheParserAndTheEncoder() throws {
        let text = #"{"options":{"port":8333,"ratio":0.25,"peers":["a","b"],"on":true,"none":null}}"#
        let parsed = try JSONValue.parse(Array(text.utf8))
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(parsed == decoded)
        let reencoded = try JSONEncoder().encode(parsed)
        #expect(try JSONValue.parse(reencoded) == parsed)
        let amount = try JSONEncoder().encode(JSONValue.decimal(units: 1000, scale: 8))
        #expect(try JSONValue.parse(amount) == .double(0.00001))
    }
}
