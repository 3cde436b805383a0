import BitcoinPrimitives

/// JSON Pointer (RFC 6901) as it appears in a URI fragment (`#/$defs/a%25b~1c`) and as the
/// instance path of a violation (`/params/peer/start_height`).
public enum JSONPointer {
    /// The reference tokens of a pointer taken from a URI fragment: percent-decoded, then
    /// `~1` -> `/` and `~0` -> `~`.
    /// - Returns: the tokens, or nil when the fragment is not a pointer (it does not start with
    ///   `/` and is not empty) or its percent-encoding is broken.
    static func tokens(fragment: String) -> [String]? {
        guard let decoded = percentDecoded(fragment) else { return nil }
        if decoded.isEmpty { return [] }
        guard decoded.hasPrefix("/") else { return nil }
        return decoded.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { token in
            replacing(replacing(String(token), "~1", "/"), "~0", "~")
        }
    }

    /// Renders tokens as a pointer: `""` for the root, otherwise `/a/b` with `~` and `/` escaped.
    public static func render(_ tokens: [String]) -> String {
        tokens.map { "/" + replacing(replacing($0, "~", "~0"), "/", "~1") }.joined()
    }

    private static func percentDecoded(_ text: String) -> String? {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var utf8 = text.utf8.makeIterator()
        while let byte = utf8.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = utf8.next(), let low = utf8.next(),
                  let decoded = try? Hex.decode(String(decoding: [high, low], as: UTF8.self)) else { return nil }
            bytes.append(contentsOf: decoded)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func replacing(_ text: String, _ target: String, _ replacement: String) -> String {
        guard text.contains(target) else { return text }
        return text.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
