import Foundation
import RPCProxyCore
import TestSupport
import Testing

/// The event-loop forwarding path (docs/rpc-proxy.md "Forwarding path"): calls that cannot be
/// a held `getblock` go to bitcoind on the loop's own keep-alive connections, bytes as they are.
@Suite(.serialized) struct ProxyForwardingTests {
    @Test func concurrentCallsBeyondThePoolGetBitcoindsOwnBytes() async throws {
        try await ProxyRig.start().with { rig in
            let bodies = (0..<8).map { #"{"jsonrpc":"1.0","id":"c\#($0)","method":"getblockhash","params":[\#($0)]}"# }
                + [#"[{"id":1,"method":"getblockcount"},{"id":2,"method":"getbestblockhash"}]"#]
            var expected: [String: [UInt8]] = [:]
            for body in bodies { expected[body] = try await rig.direct(body).body }
            // 48 callers at once: more than the 16 upstream connections, so callers queue.
            let replies = try await withThrowingTaskGroup(of: (String, RawHTTP.Response).self) { group in
                for i in 0..<48 {
                    let body = bodies[i % bodies.count]
                    group.addTask { (body, try await rig.viaProxy(body)) }
                }
                return try await group.reduce(into: [(String, RawHTTP.Response)]()) { $0.append($1) }
            }
            #expect(replies.count == 48)
            for (body, reply) in replies {
                #expect(reply.status == 200, "\(body): \(reply.text)")
                #expect(reply.body == expected[body], "\(body)")
                #expect(reply.header("Content-Type") == "application/json")
            }
            let single = (0..<48).filter { !bodies[$0 % bodies.count].hasPrefix("[") }.count
            #expect(rig.proxy.proxy.metrics.snapshot.requestsByMethod["getblockhash"] == single)
        }
    }

    @Test func bitcoindGoneIsA503WithAJSONRPCError() async throws {
        try await ProxyRig.start().with { rig in
            let body = #"{"id":1,"method":"getblockcount"}"#
            #expect(try await rig.viaProxy(body).status == 200)
            await rig.node.stop()
            let reply = try await rig.viaProxy(body)
            #expect(reply.status == 503, "\(reply.text)")
            #expect(reply.text.contains(#""code":-1"#) && reply.text.contains("bitcoind did not answer"), "\(reply.text)")
            #expect(rig.proxy.proxy.metrics.snapshot.bitcoindFailures == 1)
        }
    }
}
