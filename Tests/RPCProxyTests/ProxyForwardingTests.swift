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

    /// A connection's Authorization header is fully checked once and then compared with the
    /// one that passed (ProxyHTTPHandler's `verified`): a later request on the same keep-alive
    /// connection with another header, or none, must still be checked, not waved through.
    @Test func aChangedHeaderOnAKeepAliveConnectionIsCheckedAgain() async throws {
        try await ProxyRig.start(rpcauth: [RPCAuthEntry(user: "ln", password: "secret", salt: "aa").line]).with { rig in
            let body = #"{"id":1,"method":"getblockcount"}"#
            func request(_ authorization: String?) -> String {
                "POST / HTTP/1.1\r\nHost: x\r\n" + (authorization.map { "Authorization: \($0)\r\n" } ?? "")
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            }
            let socket = try LoopbackSocket.connect(port: UInt16(rig.proxy.port))
            // Three calls pipelined on one connection: the cookie, the cookie again (the
            // compared path), then rpcauth user ln (a different header, checked in full).
            try socket.send(Array((request(rig.cookieAuth) + request(rig.cookieAuth) + request(RawHTTP.basic("ln:secret"))).utf8))
            var text = ""
            let deadline = ContinuousClock.now + .seconds(10)
            while text.components(separatedBy: "HTTP/1.1 ").count - 1 < 3, ContinuousClock.now < deadline {
                if socket.readable(within: 200) { text += String(decoding: try socket.receive(), as: UTF8.self) }
            }
            #expect(text.components(separatedBy: "HTTP/1.1 200").count - 1 == 3, "\(text)")
            // Then a wrong password for ln on the same connection: 401, and the connection closes.
            try socket.send(Array(request(RawHTTP.basic("ln:Secret")).utf8))
            var refusal = ""
            while !refusal.contains("\r\n\r\n"), ContinuousClock.now < deadline {
                if socket.readable(within: 200) { refusal += String(decoding: try socket.receive(), as: UTF8.self) }
            }
            #expect(refusal.hasPrefix("HTTP/1.1 401"), "\(refusal)")
            // A second connection: the cookie, then no header at all: 200, then 401 at once.
            let second = try LoopbackSocket.connect(port: UInt16(rig.proxy.port))
            try second.send(Array((request(rig.cookieAuth) + request(nil)).utf8))
            var replies = ""
            while replies.components(separatedBy: "HTTP/1.1 ").count - 1 < 2, ContinuousClock.now < deadline {
                if second.readable(within: 200) { replies += String(decoding: try second.receive(), as: UTF8.self) }
            }
            let statuses = replies.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
            #expect(statuses == ["200", "401"], "\(replies)")
            #expect(rig.proxy.proxy.metrics.snapshot.authFailures == 2)
        }
    }

    /// Bitcoin Core's -rpcworkqueue default: 16 until v28, 64 from v29.0 (PR #31215).
    @Test func upstreamConnectionsFollowBitcoindsWorkQueueDefault() {
        #expect(RunningRPCProxy.upstreamConnections(clientVersion: nil) == 16)
        #expect(RunningRPCProxy.upstreamConnections(clientVersion: 260_000) == 16)
        #expect(RunningRPCProxy.upstreamConnections(clientVersion: 280_100) == 16)
        #expect(RunningRPCProxy.upstreamConnections(clientVersion: 289_900) == 16)
        #expect(RunningRPCProxy.upstreamConnections(clientVersion: 290_000) == 64)
        #expect(RunningRPCProxy.upstreamConnections(clientVersion: 309_900) == 64)
    }

    /// Without `--rpc-connections` the proxy asks bitcoind's version at start (simnode as Core
    /// v28: 16; as v30: 64); given, the count is taken as it is.
    @Test func theConnectionCountIsAskedOfBitcoindUnlessGiven() async throws {
        try await ProxyRig.start(coreVersion: 28).with { rig in
            let version = try await rig.node.rpc.getNetworkInfo().version
            #expect(version == 280_000)
            #expect(rig.proxy.bitcoindConnections == 16)
        }
        try await ProxyRig.start(coreVersion: 30).with { rig in
            let version = try await rig.node.rpc.getNetworkInfo().version
            #expect(version == 300_000)
            #expect(rig.proxy.bitcoindConnections == 64)
            let reply = try await rig.viaProxy(#"{"id":1,"method":"getblockcount"}"#)
            #expect(reply.status == 200, "\(reply.text)")
        }
        try await ProxyRig.start(bitcoindConnections: 5).with { rig in
            #expect(rig.proxy.bitcoindConnections == 5)
            let reply = try await rig.viaProxy(#"{"id":1,"method":"getblockcount"}"#)
            #expect(reply.status == 200, "\(reply.text)")
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
