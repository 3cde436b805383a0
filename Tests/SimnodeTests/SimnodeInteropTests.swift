import Foundation
import JSON
import Simnode
import TestSupport
import Testing

/// simnode's RPC against Bitcoin Core's own RPC client (verystable's AuthServiceProxy) and a
/// legacy JSON-RPC 1.0 request: the shapes, codes and HTTP statuses bitcoind uses.
@Suite struct SimnodeInteropTests {
    /// verystable's AuthServiceProxy sends JSON-RPC 2.0: Core v28 answers an error in HTTP 200,
    /// v26 (1.0 only) with its HTTP status (404 for an unknown method).
    @Test(arguments: [CoreVersion.v26, .v28])
    func coreAuthServiceProxyTalksToSimnode(version: CoreVersion) async throws {
        try await InProcessSimnode.with({ config in config.coreVersion = version }) { node in
            let (server, dir) = (node.server, node.dir)

            let script = SharedData.packageRoot.appendingPathComponent("integration/simnode_rpc_peer.py").path
            let (status, outputText, errText) = try await runToEnd("/usr/bin/env", ["python3", script, String(server.rpcPort), dir.path + "/regtest/.cookie"])
            let output = Data(outputText.utf8), errData = Data(errText.utf8)
            let stderr = String(decoding: errData, as: UTF8.self)
            try #require(status == 0, "simnode_rpc_peer.py failed (verystable installed?): \(stderr)")

            struct Result: Decodable {
                struct Coded: Decodable { let code: Int; let http_status: Int? ; let message: String? }
                struct Legacy: Decodable {
                    struct Body: Decodable {
                        struct E: Decodable { let code: Int; let message: String }
                        let error: E
                    }
                    let http_status: Int
                    let body: Body
                }
                struct Auth: Decodable { let http_status: Int; let www_authenticate: String? }
                let generated: [String]
                let blocks: Int
                let bestblockhash: String
                let header_height: Int
                let header_prev: String
                let tips: [String]
                let peers: Int
                let v2_error: Coded
                let range_error: Coded
                let batch: [JSONValueProxy]
                let legacy_error: Legacy
                let bad_auth: Auth
            }
            /// Batch items are a number then a string.
            enum JSONValueProxy: Decodable, Equatable {
                case int(Int), string(String)
                init(from decoder: any Decoder) throws {
                    let c = try decoder.singleValueContainer()
                    if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
                }
            }
            let r = try JSONDecoder().decode(Result.self, from: output)
            #expect(r.generated.count == 3)
            #expect(r.blocks == 3)
            #expect(r.bestblockhash == r.generated[2])
            #expect(r.header_height == 3 && r.header_prev == r.generated[1])
            #expect(r.tips == ["active"])
            #expect(r.peers == 10)
            #expect(r.v2_error.code == -32601 && r.v2_error.http_status == (version.speaksJSONRPC2 ? 200 : 404))
            #expect(r.range_error.code == -8 && r.range_error.message == "Block height out of range")
            #expect(r.batch == [.int(3), .string("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")])
            #expect(r.legacy_error.http_status == 404 && r.legacy_error.body.error.code == -32601)
            #expect(r.bad_auth.http_status == 401 && r.bad_auth.www_authenticate == "Basic realm=\"jsonrpc\"")
        }
    }
}
