import Altstack
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// Anycast and broadcast through real driver subprocesses.
@Suite(.serialized) struct RoutingTests {
    @Test func anycastSkipsIneligibleDriversAndFailsOverInOrder() async throws {
        let configs = [
            try DriverFixtures.testDriverConfig("txonly", ["--kinds", "transactions"], priority: 0),
            try DriverFixtures.testDriverConfig("broken", ["--kinds", "headers", "--fail-sendmessage"], priority: 1),
            try DriverFixtures.testDriverConfig("slowfail", ["--kinds", "headers,blocks", "--fail-sendmessage", "--slow-ms", "50"], priority: 2),
            try DriverFixtures.testDriverConfig("good", ["--kinds", "headers"], priority: 3),
        ]
        try await withAltstack(configs) { altstack in
            #expect(await altstack.waitUntilReady())
            #expect(altstack.eligible(.exchange(.headers)).map(\.1.name) == ["broken", "slowfail", "good"])

            let answer = try await altstack.sendMessage(DriverFixtures.getHeaders, timeout: .seconds(10))
            #expect(answer.driver == "good")
            #expect(answer.failures.map(\.driver) == ["broken", "slowfail"])
            #expect(answer.failures.allSatisfy { $0.error.kind == .peerUnavailable })
            #expect(answer.value.replies.map(\.command) == ["headers"])

            // Two at a time: the first round (broken, slowfail) fails, the second finds good.
            let wide = try await altstack.sendMessage(DriverFixtures.getHeaders, n: 2, timeout: .seconds(10))
            #expect(wide.driver == "good")
            #expect(Set(wide.failures.map(\.driver)) == ["broken", "slowfail"])

            // Nobody declares blocks except slowfail, which fails: allFailed, with its error.
            do throws(AltstackError) {
                _ = try await altstack.sendMessage(DriverP2PMessage(command: "getdata", payload: "00"), timeout: .seconds(5))
                Issue.record("getdata should fail")
            } catch {
                #expect(error.kind == .allFailed)
                #expect(error.attempts.map(\.driver) == ["slowfail"])
            }
        }
    }

    /// `sendMessage` asks a driver that declares `receive: false` (as the RPC driver does): the
    /// reply is the call's result, the rule AltLogic's block fetch uses too.
    @Test func sendMessageReachesSendOnlyDrivers() async throws {
        let configs = [
            try DriverFixtures.testDriverConfig("headers", ["--kinds", "headers"], priority: 0),
            try DriverFixtures.testDriverConfig("blocksnoreceive", ["--kinds", "blocks", "--no-receive"], priority: 1),
        ]
        try await withAltstack(configs) { altstack in
            #expect(await altstack.waitUntilReady(count: 2))
            #expect(altstack.snapshot().first { $0.name == "blocksnoreceive" }?.capabilities?.receive == false)
            let answer = try await altstack.sendMessage(DriverP2PMessage(command: "getdata", payload: "00"), timeout: .seconds(5))
            #expect(answer.driver == "blocksnoreceive")
            #expect(answer.value.replies.map(\.command) == ["block"])
        }
    }

    @Test func anycastWithoutEligibleDriverSaysSo() async throws {
        try await withAltstack([try DriverFixtures.testDriverConfig("h", ["--kinds", "headers"])]) { altstack in
            #expect(await altstack.waitUntilReady())
            do throws(AltstackError) {
                _ = try await altstack.anycast(Methods.sendMessage, SendMessageParams(message: DriverP2PMessage(command: "tx", payload: "00")),
                                               as: SendMessageResult.self, requirement: .push(.transactions))
                Issue.record("should fail")
            } catch {
                #expect(error.kind == .noEligibleDriver)
            }
        }
    }

    @Test func firstValidAnswerWinsAmongParallelDrivers() async throws {
        let configs = [
            try DriverFixtures.testDriverConfig("slow", ["--kinds", "headers", "--slow-ms", "3000"], priority: 0),
            try DriverFixtures.testDriverConfig("fast", ["--kinds", "headers"], priority: 1),
        ]
        try await withAltstack(configs) { altstack in
            #expect(await altstack.waitUntilReady())
            let start = ContinuousClock.now
            let answer = try await altstack.sendMessage(DriverFixtures.getHeaders, n: 2, timeout: .seconds(10))
            #expect(answer.driver == "fast")
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }

    @Test func anycastFailsOverOnTimeout() async throws {
        let configs = [
            try DriverFixtures.testDriverConfig("stuck", ["--kinds", "headers", "--slow-ms", "5000"], priority: 0,
                                          timeouts: .init(request: .milliseconds(300), heartbeatInterval: .seconds(1))),
            try DriverFixtures.testDriverConfig("fine", ["--kinds", "headers"], priority: 1),
        ]
        try await withAltstack(configs) { altstack in
            #expect(await altstack.waitUntilReady())
            let answer = try await altstack.sendMessage(DriverFixtures.getHeaders, timeout: .seconds(10))
            #expect(answer.driver == "fine")
            #expect(answer.failures.map(\.driver) == ["stuck"])
            #expect(answer.failures.first?.error.kind == .timeout)
        }
    }

    /// Capability combinations: a send-only driver carries emergency transactions; a receive-only
    /// feed declaring the same kinds is never given one (nor any request it cannot answer).
    @Test func sendOnlyCarriesTransactionsAndFeedsAreNeverAsked() async throws {
        let feedDir = NSTemporaryDirectory() + "altstack-feed-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: feedDir) }
        var feed = try DriverFixtures.testDriverConfig("feed")
        feed.executable = try DriverFixtures.python()
        feed.arguments = [DriverFixtures.packageFile("integration/driver_feed.py"), "--kinds", "headers,transactions"]
        feed.dataDir = feedDir
        let configs = [try DriverFixtures.testDriverConfig("tx", ["--kinds", "transactions", "--no-receive"]), feed]
        try await withAltstack(configs) { altstack in
            #expect(await altstack.waitUntilReady())
            #expect(altstack.snapshot().map { $0.capabilities?.role } == [.sendOnly, .feed])
            let txs = await altstack.broadcastTx("0200000000")
            #expect(txs.map(\.driver) == ["tx"])
            #expect(txs.allSatisfy { (try? $0.result.get().accepted) == true })
            let asked = try? await altstack.sendMessage(.init(command: "getheaders", payload: "00"), timeout: .seconds(2))
            #expect(asked == nil, "a getheaders found a driver: only a feed carries headers here")
        }
        let methods = try String(contentsOfFile: feedDir + "/methods.log", encoding: .utf8)
        #expect(methods.contains("init") && !methods.contains("broadcasttx") && !methods.contains("sendmessage"), "\(methods)")
    }

    /// A `block` that arrives unasked is dropped from a two-way driver (its replies come back as
    /// call results) but admitted from a feed, whose pushes are its answers.
    @Test func unsolicitedBlocksAreAdmittedOnlyFromFeeds() async throws {
        var feed = try DriverFixtures.testDriverConfig("feed")
        feed.executable = try DriverFixtures.python()
        feed.arguments = [DriverFixtures.packageFile("integration/driver_feed.py"), "--kinds", "headers,blocks", "--push-block"]
        let twoWay = try DriverFixtures.testDriverConfig("two", ["--kinds", "headers,blocks", "--flood", "block:100:1"])
        try await withAltstack([twoWay, feed]) { altstack in
            let fromFeed = await firstEvent(altstack, timeout: .seconds(10)) { event in
                if case .messageReceived("feed", _, let message) = event { return message.command == "block" }
                return false
            }
            #expect(fromFeed, "the feed's pushed block never reached the events")
            #expect(await eventually { altstack.supervisor(named: "two")?.snapshot.traffic.droppedUnsolicited == 1 })
            #expect(altstack.supervisor(named: "feed")?.snapshot.traffic.droppedUnsolicited == 0)
        }
    }

    @Test func broadcastReturnsOneResultPerEligibleDriver() async throws {
        let configs = [
            try DriverFixtures.testDriverConfig("a", ["--kinds", "headers,transactions"]),
            try DriverFixtures.testDriverConfig("b", ["--kinds", "headers"]),
            try DriverFixtures.testDriverConfig("c", ["--kinds", "transactions"], priority: 1),
        ]
        try await withAltstack(configs) { altstack in
            #expect(await altstack.waitUntilReady())
            let txs = await altstack.broadcastTx("0200000000")
            #expect(txs.map(\.driver) == ["a", "c"])
            #expect(txs.allSatisfy { (try? $0.result.get().accepted) == true })

            let peers = await altstack.broadcast(Methods.listPeers, EmptyObject(), as: ListPeersResult.self, requirement: .exchange(.headers))
            #expect(peers.map(\.driver) == ["a", "b"])
            #expect(peers.allSatisfy { (try? $0.result.get().peers.map(\.id)) == ["p1"] })

            // A driver that is not running still gets its result: an error.
            altstack.supervisor(named: "c")?.requestStop()
            #expect(await eventually { altstack.supervisor(named: "c")?.snapshot.state == .stopped })
            let again = await altstack.broadcastTx("0200000000")
            #expect(again.map(\.driver) == ["a", "c"])
            guard case .failure(let error) = again.last?.result else {
                Issue.record("c should fail")
                return
            }
            #expect(error.kind == .driverUnavailable)
        }
    }

    @Test func registryEventsAndDriverToCoreRequests() async throws {
        let handler: CoreRequestHandler = { request in
            guard request.method == Methods.signerECDH else { throw DriverProtocolError(.methodNotFound, request.method) }
            let point = try request.params(as: ECDHParams.self).point
            return ECDHResult(secret: String(point.reversed()))
        }
        try await withAltstack([try DriverFixtures.testDriverConfig("r", ["--kinds", "headers"])], coreHandler: handler) { altstack in
            #expect(await altstack.waitUntilReady())
            let sawPeer = await firstEvent(altstack, timeout: .seconds(5)) { event in
                if case .peerConnected(let driver, let peer) = event { return driver == "r" && peer.id == "p1" }
                return false
            }
            #expect(sawPeer)
            let snapshot = try #require(altstack.snapshot().first)
            #expect(snapshot.state == .ready)
            #expect(snapshot.peers.map(\.id) == ["p1"])
            #expect(snapshot.capabilities?.messageKinds == [.headers])
            #expect(snapshot.pid != nil)

            let point = "02" + String(repeating: "ab", count: 32)
            let frame = try await #require(altstack.supervisor(named: "r")).call("test.askcore", ECDHParams(point: point))
            #expect(try frame.result(as: ECDHResult.self).secret == String(point.reversed()))
        }
    }

    @Test func capabilityBreachGetsTheDriverRestarted() async throws {
        let config = try DriverFixtures.testDriverConfig("liar", ["--kinds", "headers", "--breach"])
        try await withAltstack([config]) { altstack in
            let supervisor = try #require(altstack.supervisor(named: "liar"))
            #expect(await eventually { supervisor.snapshot.starts >= 2 })
            #expect(supervisor.snapshot.lastError?.contains("breach") == true, "\(supervisor.snapshot.lastError ?? "")")
        }
    }
}

/// Waits for an event matching `match` on the Altstack's event stream.
func firstEvent(_ altstack: Altstack, timeout: Duration, _ match: @escaping @Sendable (DriverEvent) -> Bool) async -> Bool {
    await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            for await event in altstack.events where match(event) { return true }
            return false
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
}
