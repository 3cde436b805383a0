import Altstack
import BitcoindRPC
import DriverProtocol
import Foundation
import JSON
import Testing
import TestSupport

/// What the core's fan-out needs from the BIP324 driver (docs/driver-protocol.md, "How the core
/// fans out"): every peer listed with the start height of its `version`, a `sendmessage` with
/// `peer` going to that peer only, -32004 at once for an id it does not have, and a random ready
/// peer when none is named. Against simnodes on distinct loopback addresses.
@Suite(.serialized) struct PeerAddressingTests {
    /// A simnode with a P2P listener on `host`, `blocks` mined.
    static func simnode(host: String, blocks: Int, extra: [String] = []) async throws -> (SimnodeChild, [String]) {
        let node = try await SimnodeChild.start(
            temporary: "bip324-addressing", .init(zmq: false, p2pPort: 0, extra: ["--p2pbind", host] + extra))
        do {
            let mined: [String] = try await node.rpc.call("simgenerate", [.int(blocks)])
            return (node, mined)
        } catch {
            node.kill()
            throw error
        }
    }

    /// The driver's config: outbound to `targets` (HOST:PORT), more options in `extra`.
    static func config(_ targets: [String], extra: [String: JSONValue] = [:], arguments: [String] = []) throws -> DriverConfig {
        var config = try DriverFixture.config(ports: [], arguments: arguments)
        config.options = extra.merging(["connect": .array(targets.map { .string($0) })]) { _, new in new }
        return config
    }

    @Test("each listed peer carries its version start height and answers when named; unknown ids get -32004 at once")
    func addressedByID() async throws {
        let (a, minedA) = try await Self.simnode(host: "127.0.0.1", blocks: 3)
        defer { a.kill() }
        let (b, minedB) = try await Self.simnode(host: "127.1.0.1", blocks: 10)
        defer { b.kill() }
        let idA = "127.0.0.1:\(try #require(a.p2pPort))", idB = "127.1.0.1:\(try #require(b.p2pPort))"

        try await DriverFixture.withDriver(try Self.config([idA, idB])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer == idA } != nil)
            #expect(await events.waitFor { $0.connectedPeer == idB } != nil)
            // peerconnected and listpeers both carry the height each simnode announced.
            let announced = Dictionary(events.all.compactMap { event -> (String, Int?)? in
                if case .peerConnected(_, let peer) = event { return (peer.id, peer.startHeight) }
                return nil
            }, uniquingKeysWith: { first, _ in first })
            #expect(announced[idA] == 3 && announced[idB] == 10, "\(announced)")
            let supervisor = try #require(altstack.supervisor(named: "bip324"))
            let listed = try await supervisor.call(Methods.listPeers, EmptyObject()).result(as: ListPeersResult.self).peers
            #expect(Set(listed.map(\.id)) == [idA, idB])
            #expect(listed.first { $0.id == idA }?.startHeight == 3)
            #expect(listed.first { $0.id == idB }?.startHeight == 10)
            #expect(listed.allSatisfy { $0.transport == .v2 })

            // Named: that peer's own chain comes back, and the result names it.
            for (id, mined) in [(idA, minedA), (idB, minedB), (idA, minedA)] {
                let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, peer: id, timeout: .seconds(20))
                #expect(answer.value.peer == id)
                #expect(try DriverFixture.headerHashes(try #require(answer.value.replies.first)) == mined)
            }

            // Unknown: -32004 at once, although the request would allow 10 s.
            let started = ContinuousClock.now
            let unknown = SendMessageParams(peer: "127.0.0.1:1", message: DriverInteropTests.getHeaders, expect: ["headers"], timeoutMs: 10_000)
            do throws(DriverProtocolError) {
                _ = try await supervisor.call(Methods.sendMessage, unknown).result(as: SendMessageResult.self)
                Issue.record("a sendmessage to an unknown peer was answered")
            } catch {
                #expect(error.kind == .peerUnavailable, "\(error)")
            }
            #expect(ContinuousClock.now - started < .seconds(3))
        }
    }

    @Test("without a named peer the driver picks at random: over 40 requests both peers answer")
    func unnamedRequestsSpread() async throws {
        let (a, _) = try await Self.simnode(host: "127.0.0.1", blocks: 2)
        defer { a.kill() }
        let (b, _) = try await Self.simnode(host: "127.2.0.1", blocks: 2)
        defer { b.kill() }
        let idA = "127.0.0.1:\(try #require(a.p2pPort))", idB = "127.2.0.1:\(try #require(b.p2pPort))"
        try await DriverFixture.withDriver(try Self.config([idA, idB])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer == idA } != nil)
            #expect(await events.waitFor { $0.connectedPeer == idB } != nil)
            var counts: [String: Int] = [:]
            for _ in 0..<40 {
                let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, timeout: .seconds(20))
                counts[answer.value.peer, default: 0] += 1
            }
            // The first connected peer used to get all 40. At random, each gets fewer than 5 with
            // probability about 2 * 1e-7.
            #expect(counts[idA, default: 0] >= 5 && counts[idB, default: 0] >= 5, "\(counts)")
        }
    }

    @Test("start height from simnode's version over v1 (fallback) and on an inbound v2 connection")
    func startHeightOnEveryPath() async throws {
        let (v1Node, _) = try await Self.simnode(host: "127.0.0.1", blocks: 4, extra: ["--v2transport", "0"])
        defer { v1Node.kill() }
        let (dialler, _) = try await Self.simnode(host: "127.3.0.1", blocks: 6)
        defer { dialler.kill() }
        let listenPort = try FreePort.loopback()
        let v1ID = "127.0.0.1:\(try #require(v1Node.p2pPort))"
        let config = try Self.config([v1ID], extra: ["listen": .string("127.0.0.1:\(listenPort)")], arguments: ["--v1-fallback"])
        try await DriverFixture.withDriver(config) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer == v1ID } != nil)
            // simnode dials the driver (outbound on simnode's side, inbound here).
            try await dialler.rpc.callIgnoringResult("addnode", [.string("127.0.0.1:\(listenPort)"), "add"])
            let inbound = await events.waitFor { event in
                if case .peerConnected(_, let peer) = event { return peer.direction == .inbound }
                return false
            }
            let supervisor = try #require(altstack.supervisor(named: "bip324"))
            let listed = try await supervisor.call(Methods.listPeers, EmptyObject()).result(as: ListPeersResult.self).peers
            let v1Peer = try #require(listed.first { $0.id == v1ID }, "\(listed)")
            #expect(v1Peer.transport == .v1 && v1Peer.startHeight == 4, "\(v1Peer)")
            let inboundPeer = try #require(listed.first { $0.direction == .inbound }, "no inbound peer: \(String(describing: inbound))")
            #expect(inboundPeer.transport == .v2 && inboundPeer.startHeight == 6, "\(inboundPeer)")
        }
    }
}
