import BitcoindRPC
import Foundation
import JSON
import Testing

@testable import RPCProxyCore

/// The request/reply scanner: shapes, methods, getblock parameters, errors, malformed input.
@Suite struct JSONScannerTests {
    static func request(_ text: String) -> ProxyRequest {
        Array(text.utf8).withUnsafeBytes { ProxyRequest.read($0) }
    }

    static func hash(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { body in
            guard case .single(let call) = ProxyRequest.read(body) else { return nil }
            return ProxyRequest.blockHash(of: call, in: body)?.displayHex
        }
    }

    static let h = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"

    @Test func singleAndBatchMethods() {
        guard case .single(let call) = Self.request(#"{"jsonrpc":"1.0","id":"x","method":"getblockcount","params":[]}"#) else {
            Issue.record("not single")
            return
        }
        #expect(call.method == "getblockcount")
        guard case .batch(let calls) = Self.request(#" [ {"method":"a"}, 5, {"method":"b\"c"}, {"method":7}, {} ] "#) else {
            Issue.record("not batch")
            return
        }
        #expect(calls.map(\.method) == ["a", nil, "b\"c", nil, nil])
        #expect(calls[1].members == nil)
    }

    @Test func getblockParameters() {
        #expect(Self.hash(#"{"method":"getblock","params":["\#(Self.h)",2]}"#) == Self.h)
        #expect(Self.hash(#"{"method":"getblock","params":{"verbosity":0,"blockhash":"\#(Self.h)"}}"#) == Self.h)
        #expect(Self.hash(#"{"method":"getblock","params":["nothex"]}"#) == nil)
        #expect(Self.hash(#"{"method":"getblock","params":[]}"#) == nil)
        #expect(Self.hash(#"{"method":"getblockheader","params":["\#(Self.h)"]}"#) == nil)
    }

    @Test func ambiguousKeysAreFlagged() {
        for text in [#"{"method":"getblockcount","method":"stop"}"#, #"{"m\u0065thod":"stop"}"#] {
            guard case .single(let call) = Self.request(text) else {
                Issue.record("not single: \(text)")
                continue
            }
            #expect(call.members?.ambiguousKey == true)
        }
    }

    @Test func malformedBodiesAreUnparsed() {
        for text in ["", "5", "\"x\"", "{", "[{\"method\":\"a\"}", "{\"method\":\"a\"} x", "{\"method\" \"a\"}", "[1,]"] {
            guard case .unparsed = Self.request(text) else {
                Issue.record("parsed: \(text)")
                continue
            }
        }
    }

    @Test func replyErrors() {
        func error(_ text: String) -> BitcoindErrorObject? {
            Array(text.utf8).withUnsafeBytes { body in
                guard case .object(let m)? = try? JSONScanner.shape(of: body) else { return nil }
                return BitcoindErrorObject.of(m, in: body)
            }
        }
        #expect(error(#"{"result":null,"error":{"code":-1,"message":"Block not available (pruned data)"},"id":1}"#)?.meansBlockDataMissing == true)
        #expect(error(#"{"result":null,"error":{"code":-5,"message":"Block not found"},"id":1}"#)?.meansBlockDataMissing == true)
        #expect(error(#"{"result":null,"error":{"code":-8,"message":"Block height out of range"},"id":1}"#)?.meansBlockDataMissing == false)
        #expect(error(#"{"result":"00","error":null,"id":1}"#) == nil)
    }

    @Test func deepNestingIsRefused() {
        let deep = "{\"params\":" + String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000) + "}"
        guard case .unparsed = Self.request(deep) else {
            Issue.record("1000 levels accepted")
            return
        }
    }
}
