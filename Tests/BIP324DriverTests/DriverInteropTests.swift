import Altstack
import BitcoinPrimitives
import DriverConformance
import DriverProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport

/// altnet-driver-bip324 run by a real Altstack against Bitcoin Core's functional-test BIP324 code
/// (verystable) as the remote v2 node, all on 127.0.0.1.
@Suite(.serialized) struct DriverInteropTests {
    /// getheaders from regtest genesis, as the conformance suite sends it.
    static let getHeaders = DriverP2PMessage(command: "getheaders", payload: DriverConformance.regtestGetHeadersPayload)

    @Test func handshakeVersionAndTwoThousandHeaders() async throws {
        let peer = try await BIP324DriverPeer(mode: "serve")
        defer { peer.kill() }
        let config = try DriverFixture.config(ports: [peer.port], extra: ["pingintervalms": .int(300)])
        try await DriverFixture.withDriver(config) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let connected = await events.waitFor { $0.connectedPeer != nil }
            #expect(connected?.connectedPeer == "127.0.0.1:\(peer.port)")
            #expect(connected?.connectedTransport == .v2)

            // The v2 handshake, then our version: user agent, services, and the feature messages.
            try await peer.waitFor(event: "handshake")
            let version = try await peer.waitFor(event: "version")
            #expect(version["user_agent"] as? String == "/altnet:0.1/")
            #expect(version["version"] as? Int == 70016)
            let services = try #require(version["services"] as? Int)
            #expect(services & (1 << 3) != 0, "NODE_WITNESS")
            #expect(services & (1 << 11) != 0, "NODE_P2P_V2")
            try await peer.waitFor(event: "wtxidrelay")
            try await peer.waitFor(event: "verack")
            try await peer.waitFor(event: "sendheaders")
            // Keepalive both ways: the peer's ping answered, our own pings sent.
            try await peer.waitFor { $0["event"] as? String == "pong" && $0["nonce"] as? Int == 0x5EED }
            try await peer.waitFor(event: "ping", timeout: .seconds(5))

            // listpeers.
            let peers = await altstack.broadcast(Methods.listPeers, EmptyObject(), as: ListPeersResult.self, requirement: .exchange(.headers))
            #expect((try? peers.first?.result.get().peers.map(\.id)) == ["127.0.0.1:\(peer.port)"])

            // 2,000 headers through the driver, checked on the way, back to the core.
            let answer = try await altstack.sendMessage(Self.getHeaders, timeout: .seconds(20))
            let served = try await peer.waitFor(event: "getheaders")
            let reply = try #require(answer.value.replies.first)
            #expect(reply.command == "headers")
            let payload = try [UInt8](hex: reply.payload)
            var reader = ByteReader(payload)
            let count = try reader.readCount("headers", limit: 2000, minElementSize: 81)
            #expect(count == 2000)
            var previous = try BlockHash(displayHex: "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")
            for _ in 0..<count {
                let header = try BlockHeader(from: &reader)
                #expect(try reader.readCompactSize() == 0)
                #expect(header.previousBlockHash == previous)
                previous = header.hash
            }
            #expect(previous.description == served["last_hash"] as? String)
            // The peer's gossip (sendcmpct, feefilter, getaddr, inv) stayed in the driver: no
            // capability breach, so the core never restarted it.
            #expect(altstack.snapshot().first?.starts == 1)
            #expect(altstack.snapshot().first?.state == .ready)
        }
    }

    /// getdata for one witness block (MSG_WITNESS_BLOCK = MSG_BLOCK | MSG_WITNESS_FLAG).
    static func getWitnessBlock(_ hash: BlockHash) -> DriverP2PMessage {
        var w = ByteWriter()
        w.writeCompactSize(1)
        w.writeLE(UInt32(0x4000_0002))
        w.writeBytes(hash.internalBytes)
        return DriverP2PMessage(command: "getdata", payload: w.bytes.hex)
    }

    @Test func blockWithWitnessDataFetchedAndVerified() async throws {
        let peer = try await BIP324DriverPeer(mode: "serve")
        defer { peer.kill() }
        let hash = try BlockHash(displayHex: try #require(peer.blockHash))
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [peer.port])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer != nil } != nil)
            let answer = try await altstack.sendMessage(Self.getWitnessBlock(hash), timeout: .seconds(20))
            let served = try await peer.waitFor(event: "getdata")
            #expect(served["witness"] as? Bool == true)
            let reply = try #require(answer.value.replies.first)
            #expect(reply.command == "block")
            let block = try Block(bytes: try [UInt8](hex: reply.payload))
            #expect(block.header.hash == hash)
            #expect(block.transactions.count == 2)
            #expect(block.transactions.last?.hasWitness == true)
            #expect(block.witnessCommitmentIndex != nil)
            try block.checkStructure()

            // An unknown block: notfound comes back as the reply.
            let missing = try await altstack.sendMessage(Self.getWitnessBlock(BlockHash.zero), timeout: .seconds(20))
            #expect(missing.value.replies.first?.command == "notfound")
        }
    }
}

extension DriverInteropTests {
    /// A transaction with witness data (a made-up P2WPKH spend: the transport does not care).
    static func witnessTx() -> Transaction {
        let input = TxIn(
            previousOutput: OutPoint(txid: Txid(Hash256.sha256d(of: Array("altnet".utf8))), index: 0),
            scriptSig: [], sequence: 0xFFFF_FFFD, witness: [[UInt8](repeating: 0x30, count: 71), [0x02] + [UInt8](repeating: 0x11, count: 32)])
        return Transaction(version: 2, inputs: [input], outputs: [TxOut(value: 50_000, scriptPubKey: [0x00, 0x14] + [UInt8](repeating: 0x22, count: 20))], lockTime: 0)
    }

    @Test func txAnnouncedByWtxidThenRequestedAndServed() async throws {
        let peer = try await BIP324DriverPeer(mode: "serve")
        defer { peer.kill() }
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [peer.port])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer != nil } != nil)
            let tx = Self.witnessTx()
            let outcomes = await altstack.broadcastTx(tx.serialized().hex)
            #expect(outcomes.count == 1)
            let result = try #require(try outcomes.first?.result.get())
            #expect(result.accepted && result.peers == 1)
            // BIP339: the peer sent wtxidrelay, so the announcement is MSG_WTX by wtxid.
            let inv = try await peer.waitFor(event: "inv")
            let items = try #require(inv["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items.first?["type"] as? Int == 5)
            #expect(items.first?["hash"] as? String == tx.wtxid.displayHex)
            // The peer asked with getdata; the driver served the tx itself.
            let served = try await peer.waitFor(event: "tx")
            #expect(served["txid"] as? String == tx.txid.displayHex)
            #expect(served["wtxid"] as? String == tx.wtxid.displayHex)
            #expect(served["has_witness"] as? Bool == true)
        }
    }
}

extension DriverInteropTests {
    /// A free TCP port on 127.0.0.1 (bound, read, released).
    static func freePort() throws -> Int {
        try FreePort.loopback()
    }

    /// The other direction: verystable connects to the driver's `listen` port as the initiator.
    @Test func inboundHandshakeAndHeaders() async throws {
        let port = try Self.freePort()
        let config = try DriverFixture.config(ports: [], extra: ["listen": .string("127.0.0.1:\(port)")])
        try await DriverFixture.withDriver(config) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let peer = try await BIP324DriverPeer(mode: "initiator", ["\(port)"])
            defer { peer.kill() }
            try await peer.waitFor(event: "handshake")
            let version = try await peer.waitFor(event: "version")
            #expect(version["user_agent"] as? String == "/altnet:0.1/")
            let connected = try #require(await events.waitFor { $0.connectedPeer != nil })
            guard case .peerConnected(_, let info) = connected else {
                Issue.record("not a peerConnected event: \(connected)")
                return
            }
            #expect(info.direction == .inbound)
            let answer = try await altstack.sendMessage(Self.getHeaders, peer: info.id, timeout: .seconds(20))
            let reply = try #require(answer.value.replies.first)
            #expect(reply.command == "headers")
            #expect(reply.payload.hasPrefix("fdd007"))  // CompactSize 2,000
            #expect(reply.payload.count == 2 * (3 + 2000 * 81))
        }
    }
}
