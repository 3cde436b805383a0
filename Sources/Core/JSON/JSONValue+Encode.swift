import Foundation

extension JSONValue {
    /// The value as compact JSON text.
    /// - Parameter format: how doubles are written (``JSONFormat``); non-finite doubles are `null`.
    /// - Returns: UTF-8 bytes.
    public func encoded(_ format: JSONFormat = .standard) -> [UInt8] {
        var out: [UInt8] = []
        write(to: &out, format)
        return out
    }

    /// The value as compact JSON text, as a `String`.
    public func text(_ format: JSONFormat = .standard) -> String {
        String(decoding: encoded(format), as: UTF8.self)
    }

    func write(to out: inout [UInt8], _ format: JSONFormat) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .double(let value):
            guard value.isFinite else {
                out.append(contentsOf: "null".utf8)
                return
            }
            switch format.doubles {
            case .shortest: out.append(contentsOf: value.description.utf8)
            case .significant16: out.append(contentsOf: String(format: "%.16g", value).utf8)
            }
        case .decimal(let units, let scale):
            Self.writeDecimal(units: units, scale: scale, to: &out)
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out, format)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                value.write(to: &out, format)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `units` x 10^-`scale` with exactly `scale` decimals (bitcoind's ValueFromAmount at 8).
    static func writeDecimal(units: Int64, scale: UInt8, to out: inout [UInt8]) {
        if units < 0 { out.append(UInt8(ascii: "-")) }
        guard scale > 0 else {
            out.append(contentsOf: String(units.magnitude).utf8)
            return
        }
        var divisor: UInt64 = 1
        for _ in 0..<min(scale, 19) { divisor *= 10 }
        let magnitude = units.magnitude
        out.append(contentsOf: String(magnitude / divisor).utf8)
        out.append(UInt8(ascii: "."))
        let fraction = String(magnitude % divisor)
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: Int(scale) - fraction.utf8.count))
        out.append(contentsOf: fraction.utf8)
    }

    static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            var index = 0
            while index < bytes.count {
                let special = JSONStringBytes.nextSpecial(bytes, from: index, controls: true)
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<special]))
                guard special < bytes.count else { break }
                writeEscape(bytes[special], to: &out)
                index = special + 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// One byte that needs an escape: `"`, `\` or a control character.
    private static func writeEscape(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
        case 0x0A: out.append(contentsOf: #"\n"#.utf8)
        case 0x0D: out.append(contentsOf: #"\r"#.utf8)
        case 0x09: out.append(contentsOf: #"\t"#.utf8)
        case 0x08: out.append(contentsOf: #"\b"#.utf8)
        case 0x0C: out.append(contentsOf: #"\f"#.utf8)
        default:
            let digits = Array("0123456789abcdef".utf8)
            out.append(contentsOf: #"\u00"#.utf8)
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
    }
}
