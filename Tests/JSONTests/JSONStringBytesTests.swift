import Foundation
import Testing

@testable import JSON

/// The eight-bytes-at-a-time search behind every string read and written, against a plain loop,
/// and a block-sized string through the parser, the encoder and the scanner.
@Suite struct JSONStringBytesTests {
    static func reference(_ bytes: [UInt8], from start: Int, controls: Bool) -> Int {
        bytes[start...].firstIndex { $0 == 0x22 || $0 == 0x5C || (controls && $0 < 0x20) } ?? bytes.count
    }

    @Test func everyByteAtEveryPositionAgreesWithAPlainLoop() {
        for value in 0...255 {
            for position in 0..<19 {
                for filler: UInt8 in [UInt8(ascii: "a"), 0xC3, 0x7F, 0xFF] {
                    var bytes = [UInt8](repeating: filler, count: 19)
                    bytes[position] = UInt8(value)
                    for start in [0, 1, 7, position] where start <= bytes.count {
                        for controls in [false, true] {
                            let found = bytes.withUnsafeBytes { JSONStringBytes.nextSpecial($0, from: start, controls: controls) }
                            #expect(found == Self.reference(bytes, from: start, controls: controls),
                                    "byte \(value) at \(position), filler \(filler), start \(start)")
                        }
                    }
                }
            }
        }
    }

    @Test func blockSizedHexThroughParserEncoderAndScanner() throws {
        let hex = String(repeating: "0123456789abcdef", count: 500_000)  // an 8 MB block as hex
        let body = Array(#"{"jsonrpc":"1.0","id":1,"method":"submitblock","params":[""#.utf8) + Array(hex.utf8) + Array(#"","x\"y"]}"#.utf8)
        let value = try JSONValue.parse(body, limits: JSONLimits(maxBytes: body.count, maxDepth: 8))
        #expect(value["params"]?.arrayValue?.first?.stringValue?.utf8.count == 8_000_000)
        #expect(value["params"]?.arrayValue?.last == "x\"y")
        #expect(value.encoded(.bitcoind) == body)
        let shape = body.withUnsafeBytes { try? JSONScanner.shape(of: $0) }
        guard case .object(let members)? = shape else {
            Issue.record("not scanned as an object")
            return
        }
        #expect(members.params?.count == 8_000_000 + 11)  // ["<hex>","x\"y"]
    }
}
