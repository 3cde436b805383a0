import BitcoindRPC
import BitcoinPrimitives
import Foundation
import JSON

/// One call of a request, as far as the proxy needs it: its method and, for `getblock`, the
/// block asked for. Ranges point into the request body.
package struct ProxyCall: Sendable {
    /// The call's members; nil for a batch element that is not an object.
    package let members: JSONScanner.Members?
    /// The method, when present and a string.
    package let method: String?

    package var isGetBlock: Bool { method == "getblock" }
}

/// A request body, read just enough to route, authorize and count it.
package enum ProxyRequest: Sendable {
    case single(ProxyCall)
    case batch([ProxyCall])
    /// Not one JSON object or array: forwarded, bitcoind answers its own parse error.
    case unparsed

    /// Reads a request body.
    /// - Parameter body: the body bytes.
    /// - Returns: its calls.
    package static func read(_ body: UnsafeRawBufferPointer) -> ProxyRequest {
        guard let shape = try? JSONScanner.shape(of: body) else { return .unparsed }
        switch shape {
        case .object(let members):
            return .single(ProxyCall(members: members, method: Self.string(members.method, in: body)))
        case .array(let elements):
            return .batch(elements.map { element in
                ProxyCall(members: element, method: element.flatMap { Self.string($0.method, in: body) })
            })
        }
    }

    /// Whether a call may be a `getblock` to hold (those go through the task path). A body
    /// that is not JSON has none: bitcoind answers its parse error.
    package var mayHoldGetBlock: Bool {
        switch self {
        case .single(let call): call.isGetBlock
        case .batch(let calls): calls.contains(where: \.isGetBlock)
        case .unparsed: false
        }
    }

    package var calls: [ProxyCall] {
        switch self {
        case .single(let call): [call]
        case .batch(let calls): calls
        case .unparsed: []
        }
    }

    /// A JSON string value (quotes included in `range`), unescaped; nil when not a string.
    package static func string(_ range: Range<Int>?, in body: UnsafeRawBufferPointer) -> String? {
        guard let range, range.count >= 2, body[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeRawBufferPointer(rebasing: body[(range.lowerBound + 1)..<(range.upperBound - 1)])
        if !inner.contains(UInt8(ascii: "\\")) {
            return String(decoding: inner, as: UTF8.self)
        }
        return (try? JSONValue.parse(UnsafeRawBufferPointer(rebasing: body[range])))?.stringValue
    }

    /// The block a `getblock` call names: the first positional parameter or the named
    /// `blockhash`, as bitcoind reads it.
    /// - Returns: the hash, or nil when absent or not a 64-digit hex string (bitcoind answers
    ///   its own error for those).
    package static func blockHash(of call: ProxyCall, in body: UnsafeRawBufferPointer) -> BlockHash? {
        guard call.isGetBlock, let range = call.members?.params, range.count >= 2 else { return nil }
        let limits = JSONLimits(maxBytes: range.count, maxDepth: JSONScanner.maxDepth)
        let params = try? JSONValue.parse(UnsafeRawBufferPointer(rebasing: body[range]), limits: limits)
        let value: JSONValue?
        switch params {
        case .array(let items)?: value = items.first
        case .object(let members)?: value = members["blockhash"]
        default: value = nil
        }
        guard let hex = value?.stringValue, hex.utf8.count == 64 else { return nil }
        return try? BlockHash(displayHex: hex)
    }
}

/// Reading bitcoind's error out of a reply the proxy forwards.
extension BitcoindErrorObject {
    /// The error of a reply object (nil when `error` is absent, null or not an error object).
    package static func of(_ members: JSONScanner.Members?, in body: UnsafeRawBufferPointer) -> BitcoindErrorObject? {
        guard let range = members?.error, range.count > 4 else { return nil }  // "null" is 4 bytes
        return try? JSONDecoder().decode(BitcoindErrorObject.self, from: Data(body[range]))
    }

    /// Whether bitcoind lacks this block's data, so one of its peers may supply it:
    /// RPC_MISC_ERROR "Block not available (pruned data)", "Block not found on disk" or
    /// "Block not available (not fully downloaded)" (src/rpc/blockchain.cpp GetBlockChecked),
    /// or RPC_INVALID_ADDRESS_OR_KEY "Block not found" (only the fetcher can tell whether the
    /// header is known: if not, it gives up at once).
    var meansBlockDataMissing: Bool {
        (code == -1 && message.hasPrefix("Block not")) || (code == -5 && message == "Block not found")
    }
}
