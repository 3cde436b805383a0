import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// A reply goes to the request it answers (DriverKit's `ExpectedReply`), not to the oldest
/// request waiting for its command. The remote node is verystable's BIP324 code in "reverse"
/// mode: it holds its getdata answers and sends them in the opposite order, and announces an
/// unrelated header before answering getheaders.
@Suite(.serialized) struct ReplyPairingTests {
    typealias Request = Task<AnycastAnswer<SendMessageResult>, any Error>

    @Test func getdataAnswersInReverseOrderReachTheirOwnRequests() async throws {
        let peer = try await BIP324DriverPeer(mode: "reverse")
        defer { peer.kill() }
        let blocks = try peer.blockHashes.map { try BlockHash(displayHex: $0) }
        try #require(blocks.count == 2, "the peer serves two blocks: \(peer.blockHashes)")
        let missing = BlockHash(Hash256.sha256d(of: Array("a block nobody has".utf8)))
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [peer.port])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let id = try #require(await events.waitFor { $0.connectedPeer != nil }?.connectedPeer)
            // One request on the wire at a time (the peer holds each), so the peer's order is
            // ours: A, B, missing. It answers notfound(missing), block B, block A.
            var requests: [Request] = []
            for (index, hash) in [blocks[0], blocks[1], missing].enumerated() {
                let message = DriverInteropTests.getWitnessBlock(hash)
                requests.append(Task { try await altstack.sendMessage(message, peer: id, timeout: .seconds(20)) })
                try await peer.waitFor { $0["event"] as? String == "held" && $0["count"] as? Int == index + 1 }
            }
            var replies: [DriverP2PMessage] = []
            for request in requests {
                replies.append(try #require(try await request.value.value.replies.first))
            }
            #expect(replies.map(\.command) == ["block", "block", "notfound"])
            for (reply, hash) in zip(replies.prefix(2), blocks) {
                let header = try BlockHeader(bytes: try [UInt8](hex: reply.payload).prefix(BlockHeader.size))
                #expect(header.hash == hash, "the reply to getdata \(hash) is block \(header.hash)")
            }
            let notfound = try Inventory.decodeList(try [UInt8](hex: replies[2].payload)[...])
            #expect(notfound.map(\.hash) == [missing.hash])
            // The peer did send them the other way round.
            let served = peer.events("getdata").map { $0["served"] as? String ?? $0["notfound"] as? String ?? "" }
            #expect(served == [missing.displayHex, blocks[1].displayHex, blocks[0].displayHex])
        }
    }

    @Test func headersAnnouncementIsNotTakenForTheGetheadersAnswer() async throws {
        let peer = try await BIP324DriverPeer(mode: "reverse")
        defer { peer.kill() }
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [peer.port])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer != nil } != nil)
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, timeout: .seconds(20))
            let announced = try await peer.waitFor(event: "announced")
            // The answer is the 2,000 headers after the locator (regtest genesis) ...
            let reply = try #require(answer.value.replies.first)
            #expect(reply.command == "headers")
            #expect(reply.payload.hasPrefix("fdd007"))  // CompactSize 2,000
            // ... and the one-header announcement that came first reached the core on its own.
            let notification = await events.waitFor {
                guard case .messageReceived(_, _, let message) = $0, message.command == "headers" else { return false }
                return message.payload.hasPrefix("01")
            }
            guard case .messageReceived(_, _, let message)? = notification else {
                Issue.record("the announcement never reached the core as a notification")
                return
            }
            let header = try BlockHeader(bytes: try [UInt8](hex: message.payload).dropFirst().prefix(BlockHeader.size))
            #expect(header.hash.displayHex == announced["hash"] as? String)
        }
    }
}
