import BitcoinPrimitives
import JSON

/// A method's parameters, positional or named (bitcoin-cli -named), read as bitcoind's
/// RPCHelpMan checks them: wrong types are RPC_TYPE_ERROR, missing required ones print usage.
struct RPCParams {
    let method: String
    let values: [JSONValue]

    /// - Parameters:
    ///   - method: the method name (for usage messages).
    ///   - names: the method's parameter names in order.
    ///   - raw: the request's "params": array, object or null.
    /// - Throws: ``RPCFailure`` for unknown named parameters or too many positional ones.
    init(method: String, names: [String], raw: JSONValue) throws(RPCFailure) {
        self.method = method
        switch raw {
        case .null: values = []
        case .array(let a):
            guard a.count <= names.count else { throw RPCFailure(RPCFailure.miscError, Self.usage(method, names)) }
            values = a
        case .object(let members):
            var v = [JSONValue](repeating: .null, count: names.count)
            for (k, value) in members {
                guard let i = names.firstIndex(of: k) else {
                    throw RPCFailure(RPCFailure.invalidParameter, "Unknown named parameter \(k)")
                }
                v[i] = value
            }
            while let last = v.last, last.isNull { v.removeLast() }
            values = v
        default:
            throw RPCFailure(RPCFailure.invalidRequest, "Params must be an array or object")
        }
        self.names = names
    }

    private let names: [String]

    static func usage(_ method: String, _ names: [String]) -> String {
        // bitcoind prints the method's full help here; simnode prints the argument names.
        ([method] + names.map { "\"\($0)\"" }).joined(separator: " ")
    }

    subscript(i: Int) -> JSONValue { i < values.count ? values[i] : .null }

    func required(_ i: Int) throws(RPCFailure) -> JSONValue {
        let v = self[i]
        if v.isNull { throw RPCFailure(RPCFailure.miscError, Self.usage(method, names)) }
        return v
    }

    func int(_ i: Int, default d: Int? = nil) throws(RPCFailure) -> Int {
        let v = self[i]
        if v.isNull, let d { return d }
        switch try required(i) {
        case .int(let x): return Int(x)
        case .double(let x) where x == x.rounded() && abs(x) < 1e15: return Int(x)
        case let other: throw RPCFailure.typeMismatch(other, expected: "number")
        }
    }

    func double(_ i: Int, default d: Double) throws(RPCFailure) -> Double {
        switch self[i] {
        case .null: return d
        case .int(let x): return Double(x)
        case .double(let x): return x
        case let other: throw RPCFailure.typeMismatch(other, expected: "number")
        }
    }

    func bool(_ i: Int, default d: Bool) throws(RPCFailure) -> Bool {
        switch self[i] {
        case .null: return d
        case .bool(let b): return b
        case let other: throw RPCFailure.typeMismatch(other, expected: "bool")
        }
    }

    func string(_ i: Int) throws(RPCFailure) -> String {
        switch try required(i) {
        case .string(let s): return s
        case let other: throw RPCFailure.typeMismatch(other, expected: "string")
        }
    }

    func optionalString(_ i: Int) throws(RPCFailure) -> String? {
        if self[i].isNull { return nil }
        return try string(i)
    }

    /// A 64-hex-digit hash as ParseHashV reads it (length checked first, then hex).
    func hash(_ i: Int, name: String) throws(RPCFailure) -> Hash256 {
        let s = try string(i)
        guard s.utf8.count == 64 else {
            throw RPCFailure(
                RPCFailure.invalidParameter, "\(name) must be of length 64 (not \(s.utf8.count), for '\(s)')")
        }
        guard let h = try? Hash256(displayHex: s) else {
            throw RPCFailure(RPCFailure.invalidParameter, "\(name) must be hexadecimal string (not '\(s)')")
        }
        return h
    }
}
