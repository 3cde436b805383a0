import BitcoinPrimitives
import BitcoindRPC
import Foundation
import JSON
import Simnode
import TestSupport
import Testing

/// simnode's P2P port as bitcoind -v2transport=1 serves it, against Bitcoin Core's functional
/// test framework (verystable) over v2 and over v1; and the block source behind getblockfrompeer.
@Suite(.serialized) struct SimnodeV2P2PTests {
    /// What integration/simnode_v2_peer.py reports.
    struct PeerReport: Decodable {
        struct Item: Decodable { let type: Int; let hash: String }
        struct Block: Decodable { let hash: String; let valid: Bool }
        struct BitcoindPeerInfo: Decodable {
            let transport_protocol_type: String
            let session_id: String
            let inbound: Bool
            let connection_type: String
            let version: Int
        }
        let ok: Bool
        let transport: String
        let session_id: String
        let user_agent: String
        let services: UInt64
        let before_verack: [String]
        let after_verack: [String]
        let pong: UInt64
        let headers: [String]
        let block: Block
        let tx_request: [Item]
        let txids: [String]
        let wtxids: [String]
        let notfound: [Item]
        let mempool: [String]
        let peerinfo: [BitcoindPeerInfo]
        let mined: [String]
        let announced: [String]
    }

    /// Runs the verystable peer against an in-process simnode with 12 blocks.
    func converse(
        v2transport: Bool, peerArguments: [String], zmq: TestSubscriberBox? = nil
    ) async throws -> (PeerReport, [String], SimnodeServer) {
        let dir = try TempDir()
        defer { dir.cleanup() }
        var config = SimnodeServer.Configuration(datadir: dir.path)
        config.p2pPort = 0
        config.v2transport = v2transport
        if zmq != nil { config.zmqPub = "tcp://127.0.0.1:0" }
        let server = try await SimnodeServer.start(config)
        if let zmq {
            zmq.subscriber = TestSubscriber(connect: try #require(server.zmqEndpoint))
            try await Task.sleep(for: .milliseconds(300))  // ZMQ slow joiner
        }
        let port = try #require(server.p2pPort)
        let mined = try await server.node.call("simgenerate", params: .array([.int(12)]))
        guard case .array(let values) = mined else { throw Failure(description: "simgenerate gave no hashes") }
        let hashes = values.compactMap { v -> String? in if case .string(let s) = v { s } else { nil } }

        let script = SharedData.packageRoot.appendingPathComponent("integration/simnode_v2_peer.py").path
        let cookie = dir.path + "/regtest/.cookie"
        let (status, outputText, errText) = try await runToEnd("/usr/bin/env",
            ["python3", script, String(port), String(server.rpcPort), cookie] + peerArguments)
        let output = Data(outputText.utf8), errData = Data(errText.utf8)
        let stdout = String(decoding: output, as: UTF8.self)
        try #require(status == 0, "simnode_v2_peer.py failed: \(stdout) \(String(decoding: errData, as: UTF8.self))")
        return (try JSONDecoder().decode(PeerReport.self, from: output), hashes, server)
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Holds the ZMQ subscriber a conversation sets up. @unchecked Sendable: one test uses it,
    /// one call at a time.
    final class TestSubscriberBox: @unchecked Sendable {
        var subscriber: TestSubscriber?
        /// Every message until the publisher has been quiet for 3 s.
        func drain() async throws -> [[[UInt8]]] {
            guard let sub = subscriber else { return [] }
            var messages: [[[UInt8]]] = []
            while let m = try await offPool({ sub.receive() }) { messages.append(m) }
            return messages
        }
    }

    /// The checks both transports share: Core's handshake order, headers, witness block, a tx
    /// by inv(MSG_WTX) -> getdata(MSG_WTX) -> tx and one unsolicited, notfound, announcement.
    func checkConversation(_ r: PeerReport, mined: [String]) {
        #expect(r.ok)
        #expect(r.user_agent == "/simnode:0.1.0/")
        // Before its verack, bitcoind sends wtxidrelay and sendaddrv2 (BIP339, BIP155).
        #expect(r.before_verack == ["wtxidrelay", "sendaddrv2"])
        #expect(r.after_verack.first == "sendheaders")
        #expect(r.pong == 777)
        #expect(r.headers == mined)
        #expect(r.block.hash == mined.last && r.block.valid)
        // A wtxidrelay peer's MSG_WTX announcement is requested by wtxid (type 5).
        #expect(r.tx_request.map(\.type) == [5])
        #expect(r.tx_request.map(\.hash) == [r.wtxids[0]])
        #expect(Set(r.mempool) == Set(r.txids))
        #expect(r.notfound.map(\.type) == [5])
        #expect(r.mined.count == 1)
        #expect(r.announced == r.mined)
    }

    @Test func v2PeerHandshakesAndRelays() async throws {
        let zmq = TestSubscriberBox()
        let (r, mined, server) = try await converse(v2transport: true, peerArguments: [], zmq: zmq)
        defer { Task { await server.shutdown() } }
        checkConversation(r, mined: mined)
        #expect(r.transport == "v2")
        // ZMQ sequence "A" for each transaction taken from P2P, as for sendrawtransaction.
        let added = try await zmq.drain().compactMap { m -> String? in
            guard m.count == 3, m[0] == Array("sequence".utf8), m[1].count == 41, m[1][32] == UInt8(ascii: "A") else { return nil }
            return Hex.encode(m[1][0..<32])
        }
        #expect(added == r.txids)
        // NODE_P2P_V2 is advertised when v2 is on.
        #expect(r.services & (1 << 11) != 0)
        let info = try #require(r.peerinfo.first)
        #expect(r.peerinfo.count == 1)
        #expect(info.transport_protocol_type == "v2")
        #expect(info.session_id == r.session_id && r.session_id.count == 64)
        #expect(info.inbound && info.connection_type == "inbound" && info.version == 70016)
        // The block mined after the relay confirmed both transactions (the mempool is empty again).
        let block = try await server.node.call("getblock", params: .array([.string(r.mined[0]), .int(1)]))
        guard case .array(let txs)? = block["tx"] else { throw Failure(description: "getblock has no tx list") }
        let confirmed = txs.dropFirst().compactMap { v -> String? in if case .string(let s) = v { s } else { nil } }
        #expect(Set(confirmed) == Set(r.txids))
        #expect(try await server.node.call("getrawmempool", params: .array([])) == .array([]))
    }

    @Test func v1PeerIsDetectedAndServed() async throws {
        let (r, mined, server) = try await converse(v2transport: true, peerArguments: ["--v1"])
        defer { Task { await server.shutdown() } }
        checkConversation(r, mined: mined)
        #expect(r.transport == "v1")
        let info = try #require(r.peerinfo.first)
        #expect(info.transport_protocol_type == "v1")
        #expect(info.session_id == "")
    }

    @Test func v2TransportOffServesV1Only() async throws {
        let (r, mined, server) = try await converse(v2transport: false, peerArguments: ["--v1"])
        defer { Task { await server.shutdown() } }
        checkConversation(r, mined: mined)
        #expect(r.services & (1 << 11) == 0)
    }

    /// simnode A knows B's blocks only by header (submitheader); with B as its block source, a
    /// getblockfrompeer to a delivering pretend peer brings each block from B's getblock.
    @Test func blockSourceFeedsGetBlockFromPeer() async throws {
        let dirA = try TempDir(), dirB = try TempDir()
        defer { dirA.cleanup(); dirB.cleanup() }
        let a = try await SimnodeServer.start(SimnodeServer.Configuration(datadir: dirA.path))
        let b = try await SimnodeServer.start(SimnodeServer.Configuration(datadir: dirB.path))
        defer { Task { await a.shutdown(); await b.shutdown() } }
        guard case .array(let values) = try await b.node.call("simgenerate", params: .array([.int(5)])) else {
            throw Failure(description: "simgenerate gave no hashes")
        }
        let hashes = values.compactMap { v -> String? in if case .string(let s) = v { s } else { nil } }
        for hash in hashes {
            let header = try await b.node.call("getblockheader", params: .array([.string(hash), .bool(false)]))
            _ = try await a.node.call("submitheader", params: .array([header]))
        }
        // Without a source, a pretend peer has nothing to give: the block stays missing.
        _ = try await a.node.call("getblockfrompeer", params: .array([.string(hashes[0]), .int(0)]))
        try await Task.sleep(for: .milliseconds(600))
        await #expect(throws: RPCFailure.self) { try await a.node.call("getblock", params: .array([.string(hashes[0]), .int(0)])) }

        let url = "http://127.0.0.1:\(b.rpcPort)"
        let set = try await a.node.call("simsetblocksource", params: .array([.string(url), .string(dirB.path + "/regtest/.cookie")]))
        #expect(set == .object([("url", .string(url)), ("cookiefile", .string(dirB.path + "/regtest/.cookie"))]))
        for hash in hashes {
            _ = try await a.node.call("getblockfrompeer", params: .array([.string(hash), .int(3)]))
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while await a.node.tip.hash.displayHex != hashes.last, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(await a.node.tip.hash.displayHex == hashes.last)
        let fromA = try await a.node.call("getblock", params: .array([.string(hashes[2]), .int(0)]))
        let fromB = try await b.node.call("getblock", params: .array([.string(hashes[2]), .int(0)]))
        #expect(fromA == fromB)
        guard case .array(let log) = try await a.node.call("simfetchlog", params: .array([])) else {
            throw Failure(description: "simfetchlog is not an array")
        }
        #expect(log.count == 6)

        // A malformed source is refused with bitcoind's invalid-parameter code.
        await #expect(throws: RPCFailure(RPCFailure.invalidParameter, "block source URL must be http://HOST:PORT, got nonsense")) {
            try await a.node.call("simsetblocksource", params: .array([.string("nonsense"), .string("x")]))
        }
    }
}

/// Two simnodes over P2P: A connects to B (addnode), syncs B's chain headers-first over v2,
/// and follows B's next blocks from its announcements.
@Suite struct SimnodeOutboundSyncTests {
    struct Failure: Error, CustomStringConvertible { let description: String }

    func waitForTip(_ node: SimnodeNode, _ hash: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while await node.tip.hash.displayHex != hash, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    @Test func addnodeSyncsAndFollowsOverV2() async throws {
        let dirA = try TempDir(), dirB = try TempDir()
        defer { dirA.cleanup(); dirB.cleanup() }
        var configA = SimnodeServer.Configuration(datadir: dirA.path), configB = SimnodeServer.Configuration(datadir: dirB.path)
        configA.p2pPort = 0
        configB.p2pPort = 0
        let a = try await SimnodeServer.start(configA)
        let b = try await SimnodeServer.start(configB)
        defer { Task { await a.shutdown(); await b.shutdown() } }
        guard case .array(let mined) = try await b.node.call("simgenerate", params: .array([.int(30)])),
            case .string(let tipB)? = mined.last
        else { throw Failure(description: "simgenerate gave no hashes") }
        #expect(await a.node.tip.height == 0)

        let port = try #require(b.p2pPort)
        #expect(try await a.node.call("addnode", params: .array([.string("127.0.0.1:\(port)"), .string("add")])) == .null)
        await #expect(throws: RPCFailure(-23, "Error: Node already added")) {
            try await a.node.call("addnode", params: .array([.string("127.0.0.1:\(port)"), .string("add")]))
        }
        try await waitForTip(a.node, tipB)
        #expect(await a.node.tip.hash.displayHex == tipB)
        #expect(await a.node.tip.height == 30)

        // Both ends see one v2 connection with the same session id.
        func peers(_ node: SimnodeNode) async throws -> [JSONValue] {
            guard case .array(let all) = try await node.call("getpeerinfo", params: .array([])) else { return [] }
            return all.filter { $0["subver"] == .string("/simnode:0.1.0/") }
        }
        let fromA = try #require(try await peers(a.node).first)
        let fromB = try #require(try await peers(b.node).first)
        #expect(fromA["connection_type"] == .string("manual") && fromA["inbound"] == .bool(false))
        #expect(fromB["connection_type"] == .string("inbound"))
        #expect(fromA["transport_protocol_type"] == .string("v2") && fromB["transport_protocol_type"] == .string("v2"))
        #expect(fromA["session_id"] == fromB["session_id"])
        #expect(fromA["session_id"] != .string(""))

        // B's next blocks reach A through B's announcements.
        guard case .array(let more) = try await b.node.call("simgenerate", params: .array([.int(3)])),
            case .string(let newTip)? = more.last
        else { throw Failure(description: "simgenerate gave no hashes") }
        try await waitForTip(a.node, newTip)
        #expect(await a.node.tip.hash.displayHex == newTip)
    }
}
