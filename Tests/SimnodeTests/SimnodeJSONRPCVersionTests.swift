import Foundation
import Testing

@testable import Simnode

/// JSON-RPC envelopes per Core release: v26/v27 answer every request as 1.0; v28 answers 2.0
/// requests as 2.0 (src/httprpc.cpp, src/rpc/request.cpp; the cases of Core v28's
/// test/functional/interface_rpc.py).
@Suite struct SimnodeJSONRPCVersionTests {
    let node: SimnodeNode

    init() throws { node = try SimnodeNode(publisher: nil) }

    func post(_ body: String, _ version: CoreVersion) async -> JSONRPCEndpoint.Reply {
        await JSONRPCEndpoint.handle(body: Data(body.utf8), version: version) { method, params in
            do throws(RPCFailure) {
                return .success(try await node.call(method, params: params))
            } catch {
                return .failure(error)
            }
        }
    }

    @Test(arguments: [CoreVersion.v26, .v27])
    func beforeV28A2Point0RequestIsAnsweredAs1Point0(version: CoreVersion) async {
        let missing = await post(#"{"jsonrpc":"2.0","method":"nosuchmethod","id":"x"}"#, version)
        #expect(missing.status == 404)
        #expect(missing.body == #"{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":"x"}"# + "\n")
        // No notifications before v28: a request without id is answered, with "id": null.
        let count = await post(#"{"jsonrpc":"2.0","method":"getblockcount"}"#, version)
        #expect(count.status == 200)
        #expect(count.body == #"{"result":0,"error":null,"id":null}"# + "\n")
        // "jsonrpc" is not read at all.
        let odd = await post(#"{"jsonrpc":3,"method":"getblockcount","id":1}"#, version)
        #expect(odd.body == #"{"result":0,"error":null,"id":1}"# + "\n")
        // A batch of requests without id: every one answered.
        let batch = await post(#"[{"jsonrpc":"2.0","method":"getblockcount"}]"#, version)
        #expect(batch.status == 200)
        #expect(batch.body == #"[{"result":0,"error":null,"id":null}]"# + "\n")
    }

    @Test func v28LegacyRequestWithoutIdGetsAReplyWithoutId() async {
        let r = await post(#"{"method":"getblockcount"}"#, .v28)
        #expect(r.status == 200)
        #expect(r.body == #"{"result":0,"error":null}"# + "\n")
        let alias = await post(#"{"jsonrpc":"1.0","method":"getblockcount","id":3}"#, .v28)
        #expect(alias.body == #"{"result":0,"error":null,"id":3}"# + "\n")
    }

    @Test func v28RejectsABadJsonrpcField() async {
        let notString = await post(#"{"jsonrpc":2,"method":"getblockcount"}"#, .v28)
        #expect(notString.status == 400)
        #expect(notString.body == #"{"result":null,"error":{"code":-32600,"message":"jsonrpc field must be a string"}}"# + "\n")
        let unknown = await post(#"{"jsonrpc":"3.0","method":"getblockcount"}"#, .v28)
        #expect(unknown.status == 400)
        #expect(unknown.body == #"{"result":null,"error":{"code":-32600,"message":"JSON-RPC version not supported"}}"# + "\n")
        // An error while reading a 2.0 request keeps its HTTP status.
        let noMethod = await post(#"{"jsonrpc":"2.0","id":5}"#, .v28)
        #expect(noMethod.status == 400)
        #expect(noMethod.body == #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"Missing method"},"id":5}"# + "\n")
    }

    @Test func v28NotificationsAndBatches() async {
        // "id": null is an id: answered.
        let nullID = await post(#"{"jsonrpc":"2.0","id":null,"method":"getblockcount"}"#, .v28)
        #expect(nullID.status == 200)
        #expect(nullID.body == #"{"jsonrpc":"2.0","result":0,"id":null}"# + "\n")
        // A failing notification: still 204.
        let failing = await post(#"{"jsonrpc":"2.0","method":"getblockhash","params":[42]}"#, .v28)
        #expect(failing.status == 204 && failing.body == nil)
        // A batch of notifications only: 204; an empty batch: [] (backwards compatible).
        let allNotifications = await post(#"[{"jsonrpc":"2.0","method":"getblockcount"}]"#, .v28)
        #expect(allNotifications.status == 204 && allNotifications.body == nil)
        let empty = await post("[]", .v28)
        #expect(empty.status == 200 && empty.body == "[]\n")
        // Mixed versions: each item answered in its own; notifications left out.
        let mixed = await post(
            #"[{"jsonrpc":"2.0","method":"getblockcount"},{"id":2,"method":"getblockcount"},{"jsonrpc":"2.0","id":3,"method":"nosuchmethod"}]"#,
            .v28)
        #expect(mixed.status == 200)
        #expect(mixed.body == #"[{"result":0,"error":null,"id":2},{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":3}]"# + "\n")
    }

    @Test func versionAndWarningsFollowTheRelease() async throws {
        let v26 = try await node.call("getnetworkinfo", params: .array([]))
        #expect(v26["version"] == .int(260_000))
        #expect(v26["warnings"] == .string(""))
        let newer = try SimnodeNode(publisher: nil, coreVersion: .v28)
        let v28 = try await newer.call("getnetworkinfo", params: .array([]))
        #expect(v28["version"] == .int(280_000))
        #expect(v28["warnings"] == .array([]))
        #expect(try await newer.call("getblockchaininfo", params: .null)["warnings"] == .array([]))
        #expect(try await node.call("getblockchaininfo", params: .null)["warnings"] == .string(""))
    }
}
