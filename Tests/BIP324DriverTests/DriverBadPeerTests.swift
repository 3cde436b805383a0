import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Testing
import TestSupport

/// Misbehaving remote nodes next to a good one: each bad peer is disconnected with a logged
/// reason while the driver keeps serving the good peer.
@Suite(.serialized) struct DriverBadPeerTests {
    /// Runs `mode` as the bad peer beside a good verystable peer; checks the driver dropped the bad
    /// one with a log line containing `reason` and still exchanges headers with the good one.
    private func check(mode: String, reason: String, options: [String: JSONValue] = [:], _ provoke: @escaping @Sendable (Altstack, DriverFixture.Events, BIP324DriverPeer) async throws -> Void = { _, _, _ in }) async throws {
        let bad = try await BIP324DriverPeer(mode: mode)
        defer { bad.kill() }
        let good = try await BIP324DriverPeer(mode: "serve")
        defer { good.kill() }
        let config = try DriverFixture.config(ports: [bad.port, good.port], extra: options.merging(["handshaketimeoutms": .int(1500)]) { given, _ in given })
        try await DriverFixture.withDriver(config) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let badID = "127.0.0.1:\(bad.port)"
            let goodID = "127.0.0.1:\(good.port)"
            #expect(await events.waitFor { $0.connectedPeer == goodID } != nil)
            try await provoke(altstack, events, bad)
            let line = await events.waitForLog(["peer \(badID)", "disconnected:", reason])
            #expect(line != nil, "no log line about \(badID) with \"\(reason)\"; logs: \(events.logs)")
            try await bad.waitFor(event: "closed")
            // The good peer is unaffected: still listed, still answering.
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, peer: goodID, timeout: .seconds(20))
            #expect(answer.value.peer == goodID)
            #expect(answer.value.replies.first?.command == "headers")
            #expect(!events.all.contains { $0.disconnect?.peer == goodID })
        }
    }

    @Test func garbageInsteadOfAKey() async throws {
        try await check(mode: "garbage", reason: "no garbage terminator")
    }

    @Test func stallMidHandshake() async throws {
        try await check(mode: "stall", reason: "handshake not finished")
    }

    @Test func oversizedLengthPrefix() async throws {
        try await check(mode: "bigprefix", reason: "exceeds the maximum")
    }

    @Test func pingsNeverAnswered() async throws {
        // The good peer must answer within the same timeout: 2 s leaves room for a loaded 2-core
        // machine (600 ms dropped the good peer once while a build was running).
        try await check(mode: "nopong", reason: "ping not answered within 2000 ms",
                        options: ["pingintervalms": .int(200), "pingtimeoutms": .int(2000)])
    }

    @Test func headersThatDoNotConnect() async throws {
        try await check(mode: "badheaders", reason: "headers do not connect") { altstack, events, bad in
            let badID = "127.0.0.1:\(bad.port)"
            #expect(await events.waitFor { $0.connectedPeer == badID } != nil)
            // Ask the bad peer itself: it answers with a broken chain, so no reply reaches the core.
            do throws(AltstackError) {
                let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, peer: badID, timeout: .seconds(10))
                Issue.record("bad headers reached the core: \(answer.value.replies.map(\.command))")
            } catch {
                #expect(error.kind == .allFailed)
            }
        }
    }

    @Test func blockNotMatchingItsWitnessCommitment() async throws {
        try await check(mode: "badblock", reason: "bad-witness-merkle-match") { altstack, events, bad in
            let badID = "127.0.0.1:\(bad.port)"
            #expect(await events.waitFor { $0.connectedPeer == badID } != nil)
            let getdata = DriverInteropTests.getWitnessBlock(try BlockHash(displayHex: try #require(bad.blockHash)))
            do throws(AltstackError) {
                let answer = try await altstack.sendMessage(getdata, peer: badID, timeout: .seconds(10))
                Issue.record("a bad block reached the core: \(answer.value.replies.map(\.command))")
            } catch {
                #expect(error.kind == .allFailed)
            }
        }
    }
}
