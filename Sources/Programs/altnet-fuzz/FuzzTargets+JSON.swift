import JSON

/// Part of selector 14: the one JSON parser (``JSONValue/parse(_:limits:)``) on the same bodies
/// as the RPC proxy's scanner. What it reads must survive encode/parse unchanged in both formats'
/// shape, and the scanner (laxer: it checks shape, not strings or numbers) must accept every
/// object or array the parser accepts and find the same `method`.
enum JSONValueFuzz {
    static let limits = JSONLimits(maxBytes: 1 << 20, maxDepth: 64)

    static func run(_ bytes: [UInt8], shape: JSONScanner.Shape?) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes, limits: limits)
        } catch {
            FuzzTargets.check(error.offset >= 0 && error.offset <= bytes.count, "parse error offset \(error.offset) outside the text")
            if bytes.count > limits.maxBytes { FuzzTargets.check(error.kind == .tooLarge, "oversized text refused as \(error.kind)") }
            return
        }
        let again = try? JSONValue.parse(value.encoded(), limits: JSONLimits(maxBytes: .max, maxDepth: limits.maxDepth))
        FuzzTargets.check(again == value, "a parsed value does not survive encode/parse")
        let bitcoind = try? JSONValue.parse(value.encoded(.bitcoind), limits: JSONLimits(maxBytes: .max, maxDepth: limits.maxDepth))
        FuzzTargets.check(bitcoind != nil, "the bitcoind format wrote text the parser refuses")
        let objects: [JSONValue]
        switch value {
        case .object: objects = [value]
        case .array(let items): objects = items
        default: return
        }
        guard let shape else {
            FuzzTargets.check(false, "the scanner refuses an object or array the parser reads")
            return
        }
        let scanned: [JSONScanner.Members?]
        switch shape {
        case .object(let members): scanned = [members]
        case .array(let elements): scanned = elements
        }
        FuzzTargets.check(scanned.count == objects.count, "the scanner sees \(scanned.count) elements, the parser \(objects.count)")
        for (members, object) in zip(scanned, objects) {
            guard case .object = object else {
                FuzzTargets.check(members == nil, "the scanner read an object where the parser has none")
                continue
            }
            guard let members else {
                FuzzTargets.check(false, "the scanner missed an object the parser reads")
                continue
            }
            guard !members.ambiguousKey, let range = members.method else {
                if !members.ambiguousKey { FuzzTargets.check(object["method"] == nil, "the scanner missed a method the parser reads") }
                continue
            }
            let token = try? JSONValue.parse(Array(bytes[range]), limits: limits)
            FuzzTargets.check(token == object["method"], "the scanner's method token is not the parser's method")
        }
    }
}
