import BIP324
import BIP324DriverCore
import BitcoinPrimitives
import Testing

/// The driver's sans-I/O peer session: two sessions talking through byte arrays, no sockets.
@Suite struct PeerSessionTests {
    static let regtestMagic: [UInt8] = [0xfa, 0xbf, 0xb5, 0xda]

    /// An initiator and a responder session.
    static func pair() throws -> (PeerSession, PeerSession) {
        let a = PeerSession(transport: try BIP324Transport(role: .initiator, networkMagic: regtestMagic), nonce: 1, unixTime: 1_700_000_000)
        let b = PeerSession(transport: try BIP324Transport(role: .responder, networkMagic: regtestMagic), nonce: 2, unixTime: 1_700_000_000)
        return (a, b)
    }

    /// Moves bytes both ways until neither side has anything to send, `chunk` bytes at a time.
    static func pump(_ a: inout PeerSession, _ b: inout PeerSession, chunk: Int = .max) throws -> (a: [PeerSessionEvent], b: [PeerSessionEvent]) {
        var eventsA: [PeerSessionEvent] = []
        var eventsB: [PeerSessionEvent] = []
        while true {
            let fromA = a.takeBytesToSend()
            let fromB = b.takeBytesToSend()
            if fromA.isEmpty && fromB.isEmpty { return (eventsA, eventsB) }
            for start in stride(from: 0, to: fromA.count, by: min(chunk, max(fromA.count, 1))) {
                eventsB += try b.receive(Array(fromA[start..<min(start + chunk, fromA.count)]))
            }
            for start in stride(from: 0, to: fromB.count, by: min(chunk, max(fromB.count, 1))) {
                eventsA += try a.receive(Array(fromB[start..<min(start + chunk, fromB.count)]))
            }
        }
    }

    static func isReady(_ event: PeerSessionEvent) -> Bool {
        if case .ready = event { return true }
        return false
    }

    @Test(arguments: [Int.max, 1, 7])
    func handshakeVersionVerackBothWays(chunk: Int) throws {
        var (a, b) = try Self.pair()
        let (eventsA, eventsB) = try Self.pump(&a, &b, chunk: chunk)
        #expect(eventsA.contains(where: Self.isReady))
        #expect(eventsB.contains(where: Self.isReady))
        #expect(a.isReady && b.isReady)
        #expect(b.theirVersion?.userAgentString == "/altnet:0.1/")
        #expect(b.theirVersion?.version == 70016)
        #expect(b.theirVersion?.services == (1 << 3) | (1 << 11))
        #expect(a.wtxidRelay && b.wtxidRelay)
    }

    @Test func plaintextV1SessionsHandshakeToo() throws {
        var a = PeerSession(v1Magic: .regtest, nonce: 1, unixTime: 0)
        var b = PeerSession(v1Magic: .regtest, nonce: 2, unixTime: 0)
        #expect(a.isV1)
        let first = a.takeBytesToSend()
        #expect(Array(first.prefix(16)) == NetworkMagic.regtest.wireBytes + Array("version".utf8) + [0, 0, 0, 0, 0])
        _ = try b.receive(first)
        let (_, _) = try Self.pump(&a, &b, chunk: 5)
        #expect(a.isReady && b.isReady)
        #expect(a.theirVersion?.userAgentString == "/altnet:0.1/")
        #expect(throws: PeerViolation.self) { _ = try b.receive([0xde, 0xad, 0xbe, 0xef] + [UInt8](repeating: 0, count: 20)) }
    }

    @Test func pingIsAnsweredWithItsNonce() throws {
        var (a, b) = try Self.pair()
        _ = try Self.pump(&a, &b)
        try a.ping(nonce: 0xABCD)
        #expect(a.outstandingPing == 0xABCD)
        _ = try Self.pump(&a, &b)
        #expect(a.outstandingPing == nil)
    }

    @Test func messagesArriveCheckedAfterVerack() throws {
        var (a, b) = try Self.pair()
        _ = try Self.pump(&a, &b)
        let headers = Self.headersPayload(count: 3)
        try a.send("headers", headers)
        let (_, eventsB) = try Self.pump(&a, &b)
        #expect(eventsB == [.message(command: "headers", payload: headers)])
    }

    @Test func applicationMessageBeforeVerackIsAViolation() throws {
        var (a, b) = try Self.pair()
        try a.send("headers", Self.headersPayload(count: 1))  // queued behind the version packet
        #expect(throws: PeerViolation.self) { _ = try Self.pump(&a, &b) }
    }

    // MARK: checks

    /// `count` linked headers on a zero hash, as a headers payload (each with a 0 tx count).
    static func headersPayload(count: Int, breakAt: Int? = nil) -> [UInt8] {
        var w = ByteWriter()
        w.writeCompactSize(count)
        var previous = BlockHash.zero
        for i in 0..<count {
            let prev = i == breakAt ? BlockHash(Hash256.sha256d(of: [0x01])) : previous
            let header = BlockHeader(version: 0x2000_0000, previousBlockHash: prev, merkleRoot: .zero,
                                     time: UInt32(1_700_000_000 + i), bits: 0x207F_FFFF, nonce: UInt32(i))
            w.writeBytes(header.serialized)
            w.writeCompactSize(0)
            previous = header.hash
        }
        return w.bytes
    }

    @Test func headersChecks() throws {
        try PeerSession.check("headers", Self.headersPayload(count: 2000))
        let tooMany = #expect(throws: PeerViolation.self) { try PeerSession.check("headers", Self.headersPayload(count: 2001)) }
        #expect(tooMany?.description.contains("2000") == true)
        let broken = #expect(throws: PeerViolation.self) { try PeerSession.check("headers", Self.headersPayload(count: 10, breakAt: 5)) }
        #expect(broken?.description == "headers do not connect: header 5 does not follow header 4")
        #expect(throws: PeerViolation.self) { try PeerSession.check("headers", Self.headersPayload(count: 3) + [0]) }
        #expect(throws: PeerViolation.self) { try PeerSession.check("headers", Array(Self.headersPayload(count: 3).dropLast())) }
    }

    @Test func blockWhoseMerkleRootDoesNotMatchIsRefused() throws {
        let coinbase = Transaction(
            version: 1, inputs: [TxIn(previousOutput: OutPoint(txid: .zero, index: 0xFFFF_FFFF), scriptSig: [0x51, 0x51], sequence: 0xFFFF_FFFF)],
            outputs: [TxOut(value: 50, scriptPubKey: [0x51])], lockTime: 0)
        let good = BlockHeader(version: 1, previousBlockHash: .zero, merkleRoot: coinbase.txid.hash, time: 0, bits: 0x207F_FFFF, nonce: 0)
        try PeerSession.check("block", Block(header: good, transactions: [coinbase]).serialized())
        var bad = good
        bad.merkleRoot = .zero
        let error = #expect(throws: PeerViolation.self) {
            try PeerSession.check("block", Block(header: bad, transactions: [coinbase]).serialized())
        }
        #expect(error?.description.contains("bad-txnmrklroot") == true)
    }

    @Test func peerTargets() throws {
        #expect(try HostPort(parsing: "203.0.113.5:8333") == HostPort(parsing: "203.0.113.5:8333"))
        let v4 = try HostPort(parsing: "203.0.113.5:8333")
        #expect(v4.host == "203.0.113.5" && v4.port == 8333)
        let v6 = try HostPort(parsing: "[2001:db8::1]:18444")
        #expect(v6.host == "2001:db8::1" && v6.port == 18444 && v6.description == "[2001:db8::1]:18444")
        let name = try HostPort(parsing: "node.example:8333")
        #expect(name.host == "node.example")
        for bad in ["8333", "host:", "host:0", "host:65536", "2001:db8::1:8333", "[::1]8333", ":8333"] {
            #expect(throws: HostPortError.self, "\(bad)") { try HostPort(parsing: bad) }
        }
    }

    @Test func txStoreServesByTxidAndWtxidAndForgetsTheOldest() throws {
        var store = TxStore(capacity: 2)
        let txs = (0..<3).map { i in
            Transaction(version: 2, inputs: [TxIn(previousOutput: OutPoint(txid: .zero, index: UInt32(i)), scriptSig: [], sequence: 0, witness: [[UInt8(i)]])],
                        outputs: [TxOut(value: 1, scriptPubKey: [0x51])], lockTime: 0)
        }
        for tx in txs { store.add(tx, bytes: tx.serialized()) }
        let (served, rest) = store.serve([
            Inventory(type: .wtx, hash: txs[2].wtxid.hash), Inventory(type: .witnessTx, hash: txs[1].txid.hash),
            Inventory(type: .tx, hash: txs[0].txid.hash), Inventory(type: .block, hash: txs[2].txid.hash),
        ])
        #expect(served == [txs[2].serialized(), txs[1].serialized()])
        #expect(rest.count == 2)
    }
}
