import Foundation
import NIOCore

/// A JSON-RPC reply as bitcoind sends it: {"result":...,"error":...,"id":...} (1.0 style, HTTP
/// 200 or an error status) or the 2.0 form with one of result or error. Decoded tolerantly.
struct RPCEnvelope<T: Decodable & Sendable>: Decodable {
    let result: T?
    let error: BitcoindErrorObject?
    let id: Int?

    enum CodingKeys: String, CodingKey { case result, error, id }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        error = try c.decodeIfPresent(BitcoindErrorObject.self, forKey: .error)
        // With an error the result is null or absent; do not let a strange result hide the error.
        result = error == nil && c.contains(.result) ? try c.decode(T.self, forKey: .result) : nil
        id = try? c.decodeIfPresent(Int.self, forKey: .id)
    }

    /// The typed result of a single call.
    /// - Throws: ``BitcoindRPCError``: rpc (JSON-RPC error), httpStatus (no JSON body),
    ///   malformedResponse (bad JSON or missing result).
    static func decodeResult(_ response: RPCHTTPResponse, method: String) throws(BitcoindRPCError) -> T {
        let data = Data(response.body.readableBytesView)
        let envelope: RPCEnvelope<T>
        do {
            envelope = try JSONDecoder().decode(RPCEnvelope<T>.self, from: data)
        } catch {
            throw nonJSON(response, data: data, error: error)
        }
        if let e = envelope.error { throw BitcoindRPCError(.rpc(code: e.code, message: e.message)) }
        guard response.status == 200 else {
            throw BitcoindRPCError(.httpStatus(response.status, snippet(data)))
        }
        if let result = envelope.result { return result }
        if let ignored = RPCIgnored.nullValue as? T { return ignored }
        throw BitcoindRPCError(.malformedResponse("no result and no error"))
    }

    /// The results of a batch, matched to requests by id.
    static func decodeBatch(_ response: RPCHTTPResponse, ids: [Int], method: String) throws(BitcoindRPCError) -> [Result<T, BitcoindRPCError>] {
        let data = Data(response.body.readableBytesView)
        guard response.status == 200 else {
            // A batch-level failure (e.g. parse error) comes back as a single error object.
            if let single = try? JSONDecoder().decode(RPCEnvelope<RPCIgnored>.self, from: data), let e = single.error {
                throw BitcoindRPCError(.rpc(code: e.code, message: e.message), method: method)
            }
            throw BitcoindRPCError(.httpStatus(response.status, snippet(data)), method: method)
        }
        let items: [LenientItem]
        do {
            items = try JSONDecoder().decode([LenientItem].self, from: data)
        } catch {
            throw BitcoindRPCError(.malformedResponse("batch reply is not an array of replies: \(brief(error))"), method: method)
        }
        var byID: [Int: Result<T, BitcoindRPCError>] = [:]
        for item in items {
            guard let id = item.id else { continue }
            byID[id] = item.result.mapError { $0.with(method: method) }
        }
        return ids.map { byID[$0] ?? .failure(BitcoindRPCError(.malformedResponse("no reply for id \($0)"), method: method)) }
    }

    /// One batch item; a result that fails to decode is that item's error, not the batch's.
    private struct LenientItem: Decodable {
        let id: Int?
        let result: Result<T, BitcoindRPCError>

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try? c.decodeIfPresent(Int.self, forKey: .id)
            if let e = try? c.decodeIfPresent(BitcoindErrorObject.self, forKey: .error) {
                result = .failure(BitcoindRPCError(.rpc(code: e.code, message: e.message)))
            } else {
                do {
                    if c.contains(.result) {
                        result = .success(try c.decode(T.self, forKey: .result))
                    } else if let ignored = RPCIgnored.nullValue as? T {
                        result = .success(ignored)
                    } else {
                        result = .failure(BitcoindRPCError(.malformedResponse("no result and no error")))
                    }
                } catch {
                    result = .failure(BitcoindRPCError(.malformedResponse(brief(error))))
                }
            }
        }
    }

    private static func nonJSON(_ response: RPCHTTPResponse, data: Data, error: any Error) -> BitcoindRPCError {
        if response.status != 200 {
            return BitcoindRPCError(.httpStatus(response.status, snippet(data)))
        }
        return BitcoindRPCError(.malformedResponse(brief(error)))
    }
}

/// The first 200 characters of a body, for error messages.
func snippet(_ data: Data) -> String {
    String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A short description of a decoding error: what and where.
func brief(_ error: any Error) -> String {
    switch error {
    case Swift.DecodingError.typeMismatch(let type, let ctx):
        return "expected \(type) at \(path(ctx)): \(ctx.debugDescription)"
    case Swift.DecodingError.valueNotFound(let type, let ctx):
        return "missing \(type) at \(path(ctx))"
    case Swift.DecodingError.keyNotFound(let key, let ctx):
        return "missing field \(key.stringValue) at \(path(ctx))"
    case Swift.DecodingError.dataCorrupted(let ctx):
        return "invalid JSON at \(path(ctx)): \(ctx.debugDescription)"
    default:
        return "\(error)"
    }
}

private func path(_ ctx: Swift.DecodingError.Context) -> String {
    let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
    return p.isEmpty ? "top level" : p
}

extension RPCIgnored {
    static var nullValue: RPCIgnored { RPCIgnored() }
    init() {}
}
