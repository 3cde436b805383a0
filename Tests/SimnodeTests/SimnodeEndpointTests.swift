import Foundation
import JSON
import Testing

@testable import Simnode

/// bitcoind's HTTP status and reply rules for JSON-RPC 1.0, 2.0 and batches, over a real
/// SimnodeNode without sockets.
@Suite struct SimnodeEndpointTests {
    let node: SimnodeNode

    init() throws { node = try SimnodeNode(publisher: nil) }

    /// Posts one body under the rules of `version` (simnode's default, v26, unless given).
    func post(_ body: String, version: CoreVersion = .v26) async -> JSONRPCEndpoint.Reply {
        await JSONRPCEndpoint.handle(body: Data(body.utf8), version: version) { method, params in
            do throws(RPCFailure) {
                return .success(try await node.call(method, params: params))
            } catch {
                return .failure(error)
            }
        }
    }

    @Test func legacySuccess() async {
        let r = await post(#"{"method":"getblockcount","params":[],"id":7}"#)
        #expect(r.status == 200)
        #expect(r.body == "{\"result\":0,\"error\":null,\"id\":7}\n")
    }

    @Test func legacyErrorsUseHTTPStatus() async {
        let notFound = await post(#"{"method":"nosuchmethod","id":1}"#)
        #expect(notFound.status == 404)
        #expect(notFound.body?.contains(#""code":-32601"#) == true)
        let invalid = await post(#"{"method":1,"id":1}"#)
        #expect(invalid.status == 400)
        let outOfRange = await post(#"{"method":"getblockhash","params":[5],"id":1}"#)
        #expect(outOfRange.status == 500)
        #expect(outOfRange.body?.contains(#"{"code":-8,"message":"Block height out of range"}"#) == true)
        let parse = await post("{not json")
        #expect(parse.status == 500)
        #expect(parse.body?.contains("-32700") == true)
        let top = await post("42")
        #expect(top.body?.contains("Top-level object parse error") == true)
    }

    @Test func jsonRPC2ErrorsAre200AndNotificationsAre204InV28() async {
        let r = await post(#"{"jsonrpc":"2.0","method":"nosuchmethod","id":"x"}"#, version: .v28)
        #expect(r.status == 200)
        #expect(r.body == "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":\"x\"}\n")
        let n = await post(#"{"jsonrpc":"2.0","method":"getblockcount"}"#, version: .v28)
        #expect(n.status == 204)
        #expect(n.body == nil)
    }

    @Test func batchKeepsPerItemErrors() async {
        let r = await post(#"[{"method":"getblockcount","id":1},{"method":"getblockhash","params":[9],"id":2},5]"#)
        #expect(r.status == 200)
        let parsed = try? JSONValue.parse(Data((r.body ?? "").utf8))
        guard case .array(let items)? = parsed else {
            Issue.record("batch reply is not an array")
            return
        }
        #expect(items.count == 3)
        #expect(items[0]["result"] == .int(0))
        #expect(items[1]["error"]?["code"] == .int(-8))
        #expect(items[2]["error"]?["code"] == .int(-32600))
    }

    @Test func parameterErrorsMatchBitcoind() async {
        let shortHash = await post(#"{"method":"getblockheader","params":["abc"],"id":1}"#)
        #expect(shortHash.body?.contains("hash must be of length 64 (not 3, for 'abc')") == true)
        let notHex = await post(#"{"method":"getblock","params":["\#(String(repeating: "z", count: 64))"],"id":1}"#)
        #expect(notHex.body?.contains("blockhash must be hexadecimal string") == true)
        let unknown = await post(#"{"method":"getblock","params":["\#(String(repeating: "1", count: 64))"],"id":1}"#)
        #expect(unknown.body?.contains(#"{"code":-5,"message":"Block not found"}"#) == true)
        let type = await post(#"{"method":"getblockhash","params":["1"],"id":1}"#)
        #expect(type.body?.contains("-3") == true)
        let named = await post(#"{"method":"getblockhash","params":{"height":0},"id":1}"#)
        #expect(named.body?.contains("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206") == true)
    }

    @Test func warmupAnswersMinus28() async {
        _ = await post(#"{"method":"simsetwarmup","params":[true],"id":1}"#)
        let r = await post(#"{"method":"getblockcount","id":1}"#)
        #expect(r.status == 500)
        #expect(r.body?.contains("-28") == true)
        _ = await post(#"{"method":"simsetwarmup","params":[false],"id":1}"#)
        #expect(await post(#"{"method":"getblockcount","id":1}"#).status == 200)
    }

    @Test func submitBlockAndHeaderResults() async throws {
        let template = try Miner.mine(
            parent: try Regtest.genesis().hash, height: 1, time: UInt32(Date().timeIntervalSince1970),
            scriptPubKey: [0x51])
        let header = await post(#"{"method":"submitheader","params":["\#(template.header.serialized.hex)"],"id":1}"#)
        #expect(header.body?.hasPrefix(#"{"result":null,"error":null"#) == true)
        let accepted = await post(#"{"method":"submitblock","params":["\#(template.serialized.hex)"],"id":1}"#)
        #expect(accepted.body?.hasPrefix(#"{"result":null,"error":null"#) == true)
        let duplicate = await post(#"{"method":"submitblock","params":["\#(template.serialized.hex)"],"id":1}"#)
        #expect(duplicate.body?.hasPrefix(#"{"result":"duplicate""#) == true)
        let garbage = await post(#"{"method":"submitblock","params":["00ff"],"id":1}"#)
        #expect(garbage.body?.contains(#"{"code":-22,"message":"Block decode failed"}"#) == true)
        var orphan = template.header
        orphan.previousBlockHash = .zero
        orphan.nonce &+= 1
        let missing = await post(#"{"method":"submitheader","params":["\#(orphan.serialized.hex)"],"id":1}"#)
        #expect(missing.body?.contains("Must submit previous header") == true)
        #expect(await node.tip.height == 1)
    }
}
