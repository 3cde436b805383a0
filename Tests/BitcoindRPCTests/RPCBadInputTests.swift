import BitcoindRPC
import Foundation
import Testing
import TestSupport

/// Bad servers: each failure is a typed BitcoindRPCError of the right kind, never a crash,
/// and memory stays bounded.
@Suite struct RPCBadInputTests {
    func client(port: Int, timeout: Duration = .seconds(5), limit: Int? = nil) -> BitcoindRPCClient {
        var config = BitcoindRPCClient.Configuration(port: port, credentials: .userPassword(user: "u", password: "p"))
        config.requestTimeout = timeout
        if let limit { config.maxResponseBytes = limit }
        return BitcoindRPCClient(config)
    }

    /// Calls getblockchaininfo against a fake server and returns the error.
    func failure(
        _ behaviour: RPCFakeServer.Behaviour, timeout: Duration = .seconds(5), limit: Int? = nil
    ) async throws -> (BitcoindRPCError, RPCFakeServer) {
        let server = try await RPCFakeServer(behaviour)
        let rpc = client(port: server.port, timeout: timeout, limit: limit)
        defer { Task { await rpc.close(); await server.close() } }
        do {
            _ = try await rpc.getBlockchainInfo()
        } catch {
            return (error, server)
        }
        Issue.record("call succeeded against a broken server")
        throw CancellationError()
    }

    @Test func malformedJSONBody() async throws {
        let (e, _) = try await failure(.reply(RPCFakeServer.http("200 OK", body: "{not json"), close: true))
        guard case .malformedResponse = e.reason else { Issue.record("got \(e)"); return }
        #expect(e.kind == .persistent)
        #expect(e.method == "getblockchaininfo")
    }

    @Test func jsonThatIsNotJSONRPC() async throws {
        let (e, _) = try await failure(.reply(RPCFakeServer.http("200 OK", body: "[1,2,3]"), close: true))
        guard case .malformedResponse = e.reason else { Issue.record("got \(e)"); return }
    }

    @Test func resultOfTheWrongShape() async throws {
        let body = #"{"result":{"chain":5,"blocks":"many"},"error":null,"id":1}"#
        let (e, _) = try await failure(.reply(RPCFakeServer.http("200 OK", body: body), close: true))
        guard case .malformedResponse(let what) = e.reason else { Issue.record("got \(e)"); return }
        #expect(what.contains("chain"))
    }

    @Test func nullResultWithoutError() async throws {
        let body = #"{"result":null,"error":null,"id":1}"#
        let (e, _) = try await failure(.reply(RPCFakeServer.http("200 OK", body: body), close: true))
        guard case .malformedResponse = e.reason else { Issue.record("got \(e)"); return }
    }

    @Test func httpErrorWithoutJSON() async throws {
        let (e, _) = try await failure(.reply(RPCFakeServer.http("500 Internal Server Error", body: "<html>oops</html>"), close: true))
        #expect(e.reason == .httpStatus(500, "<html>oops</html>"))
        #expect(e.kind == .persistent)
    }

    @Test func workQueueFullIsTransient() async throws {
        let (e, _) = try await failure(.reply(RPCFakeServer.http("503 Service Unavailable", body: "Work queue depth exceeded"), close: true))
        #expect(e.reason == .httpStatus(503, "Work queue depth exceeded"))
        #expect(e.kind == .transient)
    }

    @Test func bitcoindErrorInside500() async throws {
        let body = #"{"result":null,"error":{"code":-28,"message":"Loading block index…"},"id":1}"#
        let (e, _) = try await failure(.reply(RPCFakeServer.http("500 Internal Server Error", body: body), close: true))
        #expect(e.rpcCode == -28)
        #expect(e.kind == .transient)
    }

    @Test func notHTTPAtAll() async throws {
        let (e, _) = try await failure(.reply("SSH-2.0-OpenSSH_9.2\r\n\r\n", close: true))
        switch e.reason {
        case .malformedResponse, .connectionClosed: break
        default: Issue.record("got \(e)")
        }
    }

    @Test func truncatedBody() async throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"result\":"
        let (e, _) = try await failure(.reply(text, close: true))
        #expect(e.reason == .connectionClosed)
        #expect(e.kind == .transient)
    }


    @Test func hundredMegabyteChunkedBodyIsCutOff() async throws {
        let total = 100 << 20
        let before = try ResidentMemory.kib() / 1024
        let (e, server) = try await failure(.stream(total: total))
        let after = try ResidentMemory.kib() / 1024
        let peak = try ResidentMemory.kib(field: "VmHWM:") / 1024
        print("100 MB chunked reply: resident \(before) MiB before, \(after) MiB after, process peak \(peak) MiB")
        // The client holds at most its 64 MiB limit (plus one ByteBuffer regrowth copy);
        // buffering the whole 100 MiB body would pass 128 MiB of growth.
        #expect(peak - before < 128)
        #expect(e.reason == .responseTooLarge(limit: 64 << 20))
        #expect(e.kind == .persistent)
        // The client dropped the connection instead of reading everything.
        try await Task.sleep(for: .milliseconds(200))
        print("100 MB chunked reply: server got \(server.bytesSent >> 20) MiB out before the client hung up (limit 64 MiB)")
        #expect(server.bytesSent < total)
    }

    @Test func smallLimitStopsEarly() async throws {
        let (e, server) = try await failure(.stream(total: 100 << 20), limit: 1 << 20)
        #expect(e.reason == .responseTooLarge(limit: 1 << 20))
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.bytesSent < 16 << 20)
    }

    @Test func declaredHundredMegabytesRejectedAtTheHead() async throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: \(100 << 20)\r\n\r\n{"
        let (e, _) = try await failure(.reply(text, close: false))
        #expect(e.reason == .responseTooLarge(limit: 64 << 20))
    }

    @Test func connectionRefused() async throws {
        let rpc = client(port: try await closedPort())
        do throws(BitcoindRPCError) {
            _ = try await rpc.getBestBlockHash()
            Issue.record("no error")
        } catch {
            guard case .connectionRefused = error.reason else { Issue.record("got \(error)"); return }
            #expect(error.kind == .transient)
            #expect(error.isUnreachable)
        }
    }

    @Test func timeout() async throws {
        let start = ContinuousClock.now
        let (e, _) = try await failure(.silent, timeout: .milliseconds(300))
        #expect(e.reason == .timeout(seconds: 0.3))
        #expect(e.kind == .transient)
        // Far below the 30 s default, with room for a loaded 2-core CI machine.
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func missingCookieIsTransient() async throws {
        let rpc = BitcoindRPCClient(.init(port: try await closedPort(), credentials: .cookieFile("/nonexistent/.cookie")))
        do throws(BitcoindRPCError) {
            _ = try await rpc.uptime()
            Issue.record("no error")
        } catch {
            guard case .credentialsUnavailable = error.reason else { Issue.record("got \(error)"); return }
            #expect(error.kind == .transient)
        }
    }

    @Test func tolerantDecodingOfNewAndOldFields() async throws {
        // v28-style warnings array, an unknown field, a peer with fields missing, renamed or
        // of a new type: all still decode.
        let body = #"""
            {"result":[{"id":3,"addr":"10.0.0.1:8333","network":5,"connection_type":"outbound-full-relay",
            "some_future_field":{"x":[1,2]},"transport_protocol_type":"v2"},{"id":4}],"id":1}
            """#
        let server = try await RPCFakeServer(.reply(RPCFakeServer.http("200 OK", body: body), close: true))
        let rpc = client(port: server.port)
        defer { Task { await rpc.close(); await server.close() } }
        let peers = try await rpc.getPeerInfo()
        #expect(peers.count == 2)
        #expect(peers[0].network == nil)
        #expect(peers[0].isOutboundFullRelay)
        #expect(peers[1].addr == nil && peers[1].connectionType == nil)

        let info = #"""
            {"jsonrpc":"2.0","result":{"chain":"main","blocks":5,"headers":6,
            "bestblockhash":"000000000000000000026d6a5a5e5c6c1d3e9f5e1e0b2b9c8f0e0d0c0b0a0908",
            "warnings":["a","b"],"new_in_v99":true},"id":1}
            """#
        let server2 = try await RPCFakeServer(.reply(RPCFakeServer.http("200 OK", body: info), close: true))
        let rpc2 = client(port: server2.port)
        defer { Task { await rpc2.close(); await server2.close() } }
        let decoded = try await rpc2.getBlockchainInfo()
        #expect(decoded.headers == 6 && decoded.chain == "main" && !decoded.pruned)
    }

    @Test func atMostMaxConnectionsInFlight() async throws {
        // A server that never answers: with two connections allowed, six calls with a 0.3 s
        // timeout run in three waves (about 0.9 s), each ending in its own timeout.
        let server = try await RPCFakeServer(.silent)
        var config = BitcoindRPCClient.Configuration(port: server.port, credentials: .userPassword(user: "u", password: "p"))
        config.requestTimeout = .milliseconds(300)
        config.maxConnections = 2
        let rpc = BitcoindRPCClient(config)
        defer { Task { await rpc.close(); await server.close() } }
        let start = ContinuousClock.now
        let kinds = await withTaskGroup(of: BitcoindRPCError.Kind?.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do throws(BitcoindRPCError) {
                        _ = try await rpc.uptime()
                        return nil
                    } catch {
                        return error.kind
                    }
                }
            }
            var all: [BitcoindRPCError.Kind?] = []
            for await k in group { all.append(k) }
            return all
        }
        let elapsed = ContinuousClock.now - start
        #expect(kinds == Array(repeating: .transient, count: 6))
        #expect(elapsed >= .milliseconds(850), "took \(elapsed)")
        #expect(server.connectionsAccepted <= 6)
    }
}
