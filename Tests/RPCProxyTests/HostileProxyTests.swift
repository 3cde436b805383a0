import Foundation
import RPCProxyCore
import TestSupport
import Testing

/// Issue 15, the RPC proxy's edge: clients that never authenticate send 30 MB bodies, others
/// open connections and say nothing. The proxy (the built executable, in front of a pruned
/// simnode) reads no unauthenticated body into memory, holds at most `--max-connections`, and
/// closes idle ones after `--idle-timeout`; its resident memory is measured before and after,
/// and an honest client is served afterwards.
@Suite(.serialized) struct HostileProxyTests {
    /// Peak RSS growth allowed: six 30 MB bodies buffered would be 180 MB.
    static let boundKiB = 32 * 1024

    /// The proxy with `extra` flags, its port and a user `lightning:pw`.
    private func withProxy(_ extra: [String], _ body: (SpawnedProcess, Int, String, SimnodeChild) async throws -> Void) async throws {
        let node = try await SimnodeChild.startPruned()
        let dir = try TempDir()
        defer { dir.cleanup() }
        let ln = RPCAuthEntry(user: "lightning", password: "pw", salt: "5a17")
        try ln.line.write(toFile: dir.path + "/rpcauth", atomically: true, encoding: .utf8)
        let proxy = try SpawnedProcess(try BuiltProduct.path("altnet-driver-rpc"), [
            "proxy", "--network", "regtest", "--rpcconnect", "127.0.0.1:\(node.rpcPort)",
            "--rpccookiefile", node.cookiePath, "--datadir", dir.path, "--listen", "127.0.0.1:0",
            "--rpcauthfile", dir.path + "/rpcauth", "--stats-interval", "0",
        ] + extra, stderrPath: dir.path + "/proxy.log")
        defer { proxy.kill() }
        do {
            let line = try await offPool { proxy.readLine(timeout: 20) }
            struct Ready: Decodable { let listen: Int }
            let ready = try JSONDecoder().decode(Ready.self, from: Data(line.utf8))
            try await body(proxy, ready.listen, RawHTTP.basic("lightning:pw"), node)
        } catch {
            proxy.kill()
            await node.stop()
            throw error
        }
        proxy.kill()
        await node.stop()
    }

    private static func honestCall(port: Int, auth: String) async throws {
        let answer = try await RawHTTP.post(port: port, body: #"{"jsonrpc":"1.0","id":1,"method":"getblockcount","params":[]}"#, authorization: auth)
        #expect(answer.status == 200, "honest client: \(answer.status) \(answer.text)")
    }

    @Test func hostileUnauthenticatedThirtyMegabyteBodies() async throws {
        try await withProxy([]) { proxy, port, auth, _ in
            try await Self.honestCall(port: port, auth: auth)
            let before = try ResidentMemory.kib(pid: proxy.pid)
            let peakBefore = try ResidentMemory.kib(pid: proxy.pid, field: "VmHWM:")
            let size = 30_000_000
            // Six clients, three without credentials and three with wrong ones, each sending its
            // 30 MB body in 5 MB turns, so that buffered bodies would all be held at once.
            let statuses: [String] = try await offPool {
                let clients = try HeldConnections(count: 6, port: port)
                defer { clients.close() }
                for i in 0..<6 {
                    let authorization = i % 2 == 0 ? "" : "Authorization: \(RawHTTP.basic("lightning:wrong"))\r\n"
                    let head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(authorization)Content-Length: \(size)\r\n\r\n"
                    clients.send(i, Array(head.utf8))
                }
                let chunk = [UInt8](repeating: 0x20, count: 5_000_000)
                for _ in 0..<(size / chunk.count) {
                    for i in 0..<6 { clients.send(i, chunk) }
                }
                return (0..<6).map { i in String(decoding: clients.read(i, timeout: 5).bytes.prefix(12), as: UTF8.self) }
            }
            #expect(statuses.allSatisfy { $0 == "HTTP/1.1 401" }, "\(statuses)")
            let after = try ResidentMemory.kib(pid: proxy.pid)
            let peakAfter = try ResidentMemory.kib(pid: proxy.pid, field: "VmHWM:")
            FileHandle.standardError.write(Data(
                "hostile rpc proxy bodies: RSS \(before) KiB before, \(after) KiB after; peak \(peakBefore) -> \(peakAfter) KiB; bound +\(Self.boundKiB) KiB\n".utf8))
            #expect(after - before < Self.boundKiB)
            #expect(peakAfter - peakBefore < Self.boundKiB, "peak RSS grew \(peakAfter - peakBefore) KiB: unauthenticated bodies were buffered")
            try await Self.honestCall(port: port, auth: auth)
        }
    }

    @Test func hostileIdleConnectionsPastTheCap() async throws {
        try await withProxy(["--max-connections", "16", "--idle-timeout", "3"]) { proxy, port, auth, _ in
            let before = try ResidentMemory.kib(pid: proxy.pid)
            let request = #"{"jsonrpc":"1.0","id":"honest","method":"getblockcount","params":[]}"#
            let http = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \(auth)\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: \(request.utf8.count)\r\n\r\n\(request)"
            // Past the cap: closed at accept, long before the idle timeout. During the attack, a
            // client from another address is admitted (the oldest unauthenticated connection from
            // 127.0.0.1 is evicted for it) and answered; the held ones close after 3 s idle.
            let attack = try await offPool {
                try CapAttack.run(port: port, pid: proxy.pid, held: 16, extra: 8, honestRequest: Array(http.utf8), honestTimeout: 2)
            }
            let (extraClosed, heldClosedEarly, heldClosed, during) = (attack.extraClosed, attack.heldClosedEarly, attack.heldClosed, attack.duringKiB)
            let honestReply = String(decoding: attack.honestReply, as: UTF8.self)
            #expect(extraClosed == 8, "\(extraClosed) of 8 connections past --max-connections 16 closed at accept")
            #expect(honestReply.hasPrefix("HTTP/1.1 200"), "the honest client was not answered during the attack: \(honestReply.prefix(200))")
            #expect(heldClosedEarly == 1, "held connections closed before the idle timeout other than the one evicted")
            #expect(heldClosed == 16, "\(heldClosed) of 16 idle connections closed after --idle-timeout 3 (one of them evicted)")
            #expect(proxy.stderr.contains("closed the oldest from 127.0.0.1 that had not authenticated, for one from 127.0.0.2"))
            #expect(proxy.stderr.contains("16 open (--max-connections)"))
            // The slots are free again.
            try await Self.honestCall(port: port, auth: auth)
            let after = try ResidentMemory.kib(pid: proxy.pid)
            FileHandle.standardError.write(Data(
                "hostile rpc proxy idle: RSS \(before) KiB before, \(during) KiB with 24 connections, \(after) KiB after; bound +\(Self.boundKiB) KiB\n".utf8))
            #expect(during - before < Self.boundKiB)
            #expect(after - before < Self.boundKiB)
        }
    }

    @Test func hostileBatchOfPrunedGetblocksFromOneUser() async throws {
        try await withProxy(["--allow", "lightning:getblock", "--fetches-per-user", "2"]) { proxy, port, auth, node in
            let before = try ResidentMemory.kib(pid: proxy.pid)
            var calls: [String] = []
            for height in 1...8 {
                let hash = try await node.rpc.getBlockHash(height: height).displayHex
                calls.append(#"{"jsonrpc":"1.0","id":\#(height),"method":"getblock","params":[""# + hash + #"",0]}"#)
            }
            // One getblock-only user, one batch naming eight pruned blocks: two fetches, not eight.
            let answer = try await RawHTTP.post(port: port, body: "[" + calls.joined(separator: ",") + "]", authorization: auth)
            #expect(answer.status == 200, "\(answer.text.prefix(300))")
            let items = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [[String: Any]])
            #expect(items.count == 8)
            let served = items.filter { $0["result"] is String }.count
            #expect(served == 2, "\(served) of 8 pruned blocks served in one batch with --fetches-per-user 2")
            let fetches = try await node.rpc.simFetchLog()
            #expect(fetches.count == 2, "\(fetches.count) getblockfrompeer calls for one batch")
            #expect(proxy.stderr.contains("6 of 8 missing blocks not fetched"), "\(proxy.stderrTail(500))")
            // The slots are back: the same user's next pruned getblock is fetched and served.
            let hash = try await node.rpc.getBlockHash(height: 9).displayHex
            let single = try await RawHTTP.post(
                port: port, body: #"{"jsonrpc":"1.0","id":9,"method":"getblock","params":[""# + hash + #"",0]}"#, authorization: auth)
            #expect(single.status == 200)
            #expect(single.text.contains(#""error":null"#), "\(single.text.prefix(200))")
            let after = try ResidentMemory.kib(pid: proxy.pid)
            FileHandle.standardError.write(Data(
                "hostile rpc proxy batch: \(fetches.count) fetches for 8 pruned blocks; RSS \(before) KiB before, \(after) KiB after; bound +\(Self.boundKiB) KiB\n".utf8))
            #expect(after - before < Self.boundKiB)
        }
    }
}
