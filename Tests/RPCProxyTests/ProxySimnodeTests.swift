import BitcoinPrimitives
import BitcoindRPC
import Foundation
import RPCProxyCore
import TestSupport
import Testing

/// A pruned simnode subprocess and the proxy in front of it (in-process, real sockets).
struct ProxyRig {
    let node: SimnodeChild
    let proxy: RunningRPCProxy
    let proxyDir: TempDir

    static func start(
        fetchDeadline: Duration = .seconds(10), peerTimeout: Duration = .seconds(5),
        rpcauth: [String] = [], allow: [String] = [], bitcoindConnections: Int? = nil, coreVersion: Int? = nil
    ) async throws -> ProxyRig {
        let node = try await SimnodeChild.startPruned(coreVersion: coreVersion)
        let proxyDir: TempDir
        do { proxyDir = try TempDir() } catch {
            await node.stop()
            throw error
        }
        var options = RPCProxyOptions(
            bitcoindHost: "127.0.0.1", bitcoindPort: node.rpcPort, bitcoindCredentials: .cookieFile(node.cookiePath),
            datadir: proxyDir.path + "/proxy")
        options.listenPort = 0
        options.metricsHost = "127.0.0.1"
        options.metricsPort = 0
        options.fetchDeadline = fetchDeadline
        options.peerTimeout = peerTimeout
        options.rpcauth = rpcauth
        options.allow = allow
        options.bitcoindConnections = bitcoindConnections
        do {
            let proxy = try await RunningRPCProxy.start(options)
            return ProxyRig(node: node, proxy: proxy, proxyDir: proxyDir)
        } catch {
            await node.stop()
            proxyDir.cleanup()
            throw error
        }
    }

    func stop() async {
        await proxy.close()
        await node.stop()
        proxyDir.cleanup()
    }

    func with(_ body: (ProxyRig) async throws -> Void) async throws {
        do { try await body(self) } catch {
            await stop()
            throw error
        }
        await stop()
    }

    var cookieAuth: String { RawHTTP.basic(proxy.cookie.userColonPassword) }

    /// Through the proxy, as the cookie user.
    func viaProxy(_ body: String, authorization: String? = nil) async throws -> RawHTTP.Response {
        try await RawHTTP.post(port: proxy.port, body: body, authorization: authorization ?? cookieAuth)
    }

    /// Straight to simnode.
    func direct(_ body: String) async throws -> RawHTTP.Response {
        try await RawHTTP.post(port: node.rpcPort, body: body, authorization: try node.authorization())
    }

    func hash(_ height: Int) async throws -> String { try await node.rpc.getBlockHash(height: height).displayHex }
}

/// The "It must show" lines of issue 8 against a pruned simnode subprocess.
@Suite(.serialized) struct ProxySimnodeTests {
    @Test(arguments: [
        #"["H",0]"#, #"["H",1]"#, #"["H",2]"#, #"["H",3]"#, #"["H",false]"#, #"["H",true]"#, #"["H"]"#,
        #"{"blockhash":"H","verbosity":2}"#, #"{"blockhash":"H"}"#,
    ])
    func prunedGetblockAnswersInOneCall(params: String) async throws {
        try await ProxyRig.start().with { rig in
            let hash = try await rig.hash(4)
            let body = #"{"jsonrpc":"1.0","id":"cln","method":"getblock","params":"# + params.replacingOccurrences(of: "H", with: hash) + "}"
            let before = try await rig.direct(body)
            #expect(before.status == 500 && before.text.contains("Block not available (pruned data)"))
            let started = ContinuousClock.now
            let answer = try await rig.viaProxy(body)
            #expect(answer.status == 200, "\(answer.text)")
            // Exactly what bitcoind answers now that it has the block.
            let after = try await rig.direct(body)
            #expect(after.status == 200)
            #expect(answer.body == after.body)
            #expect(answer.header("Content-Type") == "application/json")
            #expect(try await rig.node.rpc.simFetchLog().count == 1)
            #expect(rig.proxy.proxy.metrics.snapshot.blocksFetched == 1)
            print("pruned getblock \(params): \(ContinuousClock.now - started) through the proxy")
        }
    }

    @Test func jsonrpc2AndNonPrunedCallsPassThrough() async throws {
        try await ProxyRig.start().with { rig in
            let hash = try await rig.hash(15)
            for body in [
                #"{"jsonrpc":"2.0","id":7,"method":"getblock","params":[""# + hash + #"",0]}"#,
                #"{"jsonrpc":"2.0","id":8,"method":"getblockcount"}"#,
                #"{"id":9,"method":"nosuchmethod","params":[]}"#,
                #"{"id":10,"method":"getblock","params":["00"]}"#,
                "not json",
            ] {
                let viaProxy = try await rig.viaProxy(body)
                let direct = try await rig.direct(body)
                #expect(viaProxy.status == direct.status, "\(body)")
                #expect(viaProxy.body == direct.body, "\(body)")
            }
            #expect(try await rig.node.rpc.simFetchLog().isEmpty)
        }
    }

    @Test func fiftyConcurrentCallersCauseOneFetch() async throws {
        try await ProxyRig.start().with { rig in
            let hash = try await rig.hash(3)
            let body = #"{"id":1,"method":"getblock","params":[""# + hash + #"",0]}"#
            let answers = try await withThrowingTaskGroup(of: RawHTTP.Response.self) { group in
                for _ in 0..<50 { group.addTask { try await rig.viaProxy(body) } }
                return try await group.reduce(into: [RawHTTP.Response]()) { $0.append($1) }
            }
            #expect(answers.count == 50)
            #expect(answers.allSatisfy { $0.status == 200 })
            #expect(Set(answers.map(\.body)).count == 1)
            let direct = try await rig.direct(body)
            #expect(answers[0].body == direct.body)
            #expect(try await rig.node.rpc.simFetchLog().count == 1)
            let metrics = rig.proxy.proxy.metrics.snapshot
            #expect(metrics.blocksFetched == 1 && metrics.requestsByMethod["getblock"] == 50)
        }
    }

    @Test func nonDeliveringPeerIsAbandonedForTheNext() async throws {
        try await ProxyRig.start(peerTimeout: .milliseconds(500)).with { rig in
            let ids = try await rig.node.rpc.simSetPeers([["delivers": false], [:]])
            let hash = try await rig.hash(7)
            let body = #"{"id":1,"method":"getblock","params":[""# + hash + #"",1]}"#
            let answer = try await rig.viaProxy(body)
            #expect(answer.status == 200, "\(answer.text)")
            let direct = try await rig.direct(body)
            #expect(answer.body == direct.body)
            #expect(try await rig.node.rpc.simFetchLog() == ids)  // the staller first, then the next
        }
    }

    @Test func blockNoPeerHasEndsInBitcoindsErrorAfterTheDeadline() async throws {
        try await ProxyRig.start(fetchDeadline: .milliseconds(1500), peerTimeout: .milliseconds(400)).with { rig in
            _ = try await rig.node.rpc.simSetPeers([["delivers": false], ["fetch_error": "Peer not fully connected"]])
            let hash = try await rig.hash(2)
            let body = #"{"id":"x","method":"getblock","params":[""# + hash + #"",0]}"#
            let direct = try await rig.direct(body)
            let started = ContinuousClock.now
            let answer = try await rig.viaProxy(body)
            let took = ContinuousClock.now - started
            #expect(answer.status == direct.status && answer.status == 500)
            #expect(answer.body == direct.body)
            #expect(answer.text.contains("Block not available (pruned data)"))
            #expect(took >= .milliseconds(1400) && took < .seconds(6), "held \(took)")
            #expect(rig.proxy.proxy.metrics.snapshot.fetchFailures == 1)
        }
    }

    @Test func batchesAreForwardedAndPrunedItemsFilledIn() async throws {
        try await ProxyRig.start().with { rig in
            let pruned = try await rig.hash(5), kept = try await rig.hash(12)
            let body = """
                [{"jsonrpc":"2.0","id":1,"method":"getblockcount"},\
                {"id":2,"method":"getblock","params":["\(pruned)",0]},\
                {"id":3,"method":"nosuchmethod"},\
                {"jsonrpc":"2.0","id":4,"method":"getblock","params":{"blockhash":"\(kept)","verbosity":1}},\
                {"id":5,"method":"getblock","params":["\(pruned)",2]}]
                """
            let answer = try await rig.viaProxy(body)
            #expect(answer.status == 200)
            let direct = try await rig.direct(body)
            #expect(answer.body == direct.body, "\(answer.text.prefix(300))")
            #expect(try await rig.node.rpc.simFetchLog().count == 1)
            // A batch without getblock goes through untouched.
            let plain = #"[{"id":1,"method":"getblockcount"},{"id":2,"method":"getbestblockhash"}]"#
            let plainViaProxy = try await rig.viaProxy(plain)
            let plainDirect = try await rig.direct(plain)
            #expect(plainViaProxy.body == plainDirect.body)
        }
    }

    @Test func authenticationIsRefusedAsBitcoindDoes() async throws {
        let lnEntry = RPCAuthEntry(user: "ln", password: "lightning", salt: "c0ffee")
        try await ProxyRig.start(rpcauth: [lnEntry.line], allow: ["ln:getblock,getblockcount,getblockhash"]).with { rig in
            let count = #"{"id":1,"method":"getblockcount","params":[]}"#
            // Missing header: 401 at once, WWW-Authenticate, no body.
            let missing = try await RawHTTP.post(port: rig.proxy.port, body: count, authorization: nil)
            #expect(missing.status == 401 && missing.body.isEmpty)
            #expect(missing.header("WWW-Authenticate") == "Basic realm=\"jsonrpc\"")
            // Wrong password: 401 after bitcoind's 250 ms.
            let started = ContinuousClock.now
            let wrong = try await rig.viaProxy(count, authorization: RawHTTP.basic("ln:lightninG"))
            #expect(wrong.status == 401 && wrong.body.isEmpty && ContinuousClock.now - started >= .milliseconds(240))
            #expect(wrong.header("WWW-Authenticate") == "Basic realm=\"jsonrpc\"")
            // Allowed method: bitcoind's answer.
            let ok = try await rig.viaProxy(count, authorization: RawHTTP.basic("ln:lightning"))
            let direct = try await rig.direct(count)
            #expect(ok.status == 200 && ok.body == direct.body)
            // Not in the allowlist: 403, empty body, as bitcoind; alone or inside a batch.
            let stop = #"{"id":1,"method":"stop","params":[]}"#
            let forbidden = try await rig.viaProxy(stop, authorization: RawHTTP.basic("ln:lightning"))
            #expect(forbidden.status == 403 && forbidden.body.isEmpty)
            let batch = "[" + count + "," + stop + "]"
            let batchAnswer = try await rig.viaProxy(batch, authorization: RawHTTP.basic("ln:lightning"))
            #expect(batchAnswer.status == 403)
            // Ambiguous keys could read differently in bitcoind: refused.
            let sneaky = #"{"id":1,"method":"getblockcount","method":"stop"}"#
            let sneakyAnswer = try await rig.viaProxy(sneaky, authorization: RawHTTP.basic("ln:lightning"))
            #expect(sneakyAnswer.status == 403)
            // With an allowlist configured, users without one (the cookie) may call nothing.
            let cookieAnswer = try await rig.viaProxy(count)
            #expect(cookieAnswer.status == 403)
            // GET: 405 as bitcoind.
            let get = try await RawHTTP.post(port: rig.proxy.port, body: "", authorization: nil, method: .GET)
            #expect(get.status == 405)
            // simnode is still running (stop never reached it).
            #expect(try await rig.node.rpc.getBlockchainInfo().blocks == 20)
            let snapshot = rig.proxy.proxy.metrics.snapshot
            #expect(snapshot.authFailures == 2 && snapshot.forbidden == 4)
        }
    }

    @Test func cookieIsWrittenLikeBitcoindsAndRemovedAtExit() async throws {
        let rig = try await ProxyRig.start()
        let path = rig.proxy.cookie.path
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix("__cookie__:") && text.count == 11 + 64)
            let secretIsHex = text.dropFirst(11).allSatisfy { $0.isHexDigit }
            #expect(secretIsHex)
            let count = #"{"id":1,"method":"getblockcount"}"#
            let answer = try await rig.viaProxy(count, authorization: RawHTTP.basic(text))
            #expect(answer.status == 200)
        } catch {
            await rig.stop()
            throw error
        }
        await rig.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func metricsAreServedForPrometheus() async throws {
        try await ProxyRig.start().with { rig in
            let hash = try await rig.hash(6)
            _ = try await rig.viaProxy(#"{"id":1,"method":"getblock","params":[""# + hash + #"",0]}"#)
            _ = try await rig.viaProxy(#"{"id":1,"method":"getblockcount"}"#)
            _ = try await RawHTTP.post(port: rig.proxy.port, body: "{}", authorization: nil)
            let port = try #require(rig.proxy.metricsPort)
            let text = try await RawHTTP.post(port: port, body: "", authorization: nil, method: .GET).text
            #expect(text.contains(#"altnet_rpcproxy_requests_total{method="getblock"} 1"#))
            #expect(text.contains(#"altnet_rpcproxy_requests_total{method="getblockcount"} 1"#))
            #expect(text.contains("altnet_rpcproxy_blocks_fetched_total 1"))
            #expect(text.contains("altnet_rpcproxy_fetch_duration_seconds_count 1"))
            #expect(text.contains(#"altnet_rpcproxy_auth_failures_total{reason="unauthorized"} 1"#))
        }
    }
}
