import BitcoinPrimitives
import DriverProtocol
import LightningAltnetMessages
import LightningDriverCore
import Testing

/// A received `tx` brings one acknowledgement (`inv` MSG_WTX of its wtxid) back to its sender,
/// and `broadcasttx` reports the peers whose acknowledgement came in its wait
/// (docs/driver-lightning.md, "Transaction acknowledgements").
@Suite("Transaction acknowledgements over the altnet session")
struct TxAcknowledgementTests {
    /// A one-input transaction, with a witness when `witness` (then wtxid differs from txid).
    static func transaction(_ n: UInt8, witness: Bool = false) -> Transaction {
        let input = TxIn(previousOutput: OutPoint(txid: Txid(Hash256(words: (UInt64(n), 1, 2, 3))), index: 0),
                         scriptSig: [], sequence: 0xffff_ffff, witness: witness ? [[n, 0x01]] : [])
        return Transaction(version: 2, inputs: [input], outputs: [TxOut(value: 1_000, scriptPubKey: [0x51])], lockTime: 0)
    }

    /// A whole altnet message as a carrier hands it over.
    static func wire(_ command: String, _ payload: [UInt8]) -> LightningMessage {
        LightningMessage(type: AltnetWire.messageType, payload: Fragments.body(command, payload))
    }

    /// The `inv` payload naming `hash` as MSG_WTX.
    static func inv(_ hash: Hash256, type: InventoryType = .wtx) -> [UInt8] {
        var writer = ByteWriter()
        Inventory.encodeList([Inventory(type: type, hash: hash)], to: &writer)
        return writer.bytes
    }

    @Test("a tx in: the core gets it, then its sender gets one inv naming its wtxid; a reply or junk gets none")
    func txInAckOut() throws {
        var session = AltnetSession()
        session.connect("alice", altnet: true)
        let tx = Self.transaction(1, witness: true)
        #expect(tx.wtxid.hash != tx.txid.hash)
        let events = try session.receive(Self.wire("tx", tx.serialized()), from: "alice", now: .now)
        try #require(events.count == 2)
        if case .received("alice", let message) = events[0] { #expect(message.command == "tx") } else { Issue.record("not the tx: \(events[0])") }
        #expect(events[1] == .acknowledge(AltnetOutgoing(peer: "alice", messages: [Self.wire("inv", Self.inv(tx.wtxid.hash))])))
        // Without a witness the inv names the txid (BIP339's wtxid of such a transaction).
        let plain = Self.transaction(2)
        let plainEvents = try session.receive(Self.wire("tx", plain.serialized()), from: "alice", now: .now)
        #expect(plainEvents.last == .acknowledge(AltnetOutgoing(peer: "alice", messages: [Self.wire("inv", Self.inv(plain.txid.hash))])))
        // A payload that is not a transaction goes to the core and is not acknowledged.
        let junk = try session.receive(Self.wire("tx", [0x01, 0x00]), from: "alice", now: .now)
        #expect(junk.count == 1)
        // A tx that answers our getdata is a reply, not a broadcast: no acknowledgement.
        let getdata = try AltnetMessage(command: "getdata", payload: Self.inv(plain.txid.hash, type: .tx))
        let requested = session.request(getdata, to: "alice", expect: ["tx", "notfound"])
        let request = try #require(requested)
        let reply = try session.receive(Self.wire("tx", plain.serialized()), from: "alice", now: .now)
        #expect(reply.count == 1)
        #expect(reply.first.map { if case .reply(request.id, _) = $0 { true } else { false } } == true)
        // An inv is never acknowledged, and one no broadcasttx waits for is ignored.
        let stray = try session.receive(Self.wire("inv", Self.inv(tx.wtxid.hash)), from: "alice", now: .now)
        #expect(stray.count == 1)
        #expect(stray.first.map { if case .ignored = $0 { true } else { false } } == true)
    }

    @Test("broadcasttx: an ack in is matched to its peer's wait; a wrong wtxid, a stranger's or a late ack is ignored; a flood settles one wait")
    func ackMatched() async throws {
        let hub = AltnetHub(txAckTimeout: .milliseconds(300))
        for peer in ["p", "q", "r"] { hub.connect(peer, altnet: true) }
        hub.connect("stranger", altnet: true)
        let tx = Self.transaction(3, witness: true)
        let ack = Self.wire("inv", Self.inv(tx.wtxid.hash))
        let flood = Counter()
        let result = try await hub.broadcastTx(BroadcastTxParams(tx: Hex.encode(tx.serialized())), via: FakeCarrier { outgoing in
            switch outgoing.peer {
            case "p":
                // p acknowledges, then floods: one inv settles its wait, the rest are ignored.
                for _ in 0..<1_000 {
                    let events = (try? hub.receive(ack, from: "p", now: .now)) ?? []
                    flood.add(events.count)
                    #expect(!events.contains { if case .acknowledge = $0 { true } else { false } }, "an inv is never acknowledged")
                }
            case "q":
                // q names the txid (not the wtxid) and another transaction: neither acknowledges.
                _ = try? hub.receive(Self.wire("inv", Self.inv(tx.txid.hash)), from: "q", now: .now)
                _ = try? hub.receive(Self.wire("inv", Self.inv(Self.transaction(4).txid.hash)), from: "q", now: .now)
            case "r":
                // The right inv from a peer other than r does not count for r.
                _ = try? hub.receive(ack, from: "stranger", now: .now)
            default:
                break
            }
            return true
        })
        #expect(result.accepted && result.peers == 4)
        #expect(result.sentTo == ["p", "q", "r", "stranger"])
        #expect(result.ackedBy == ["p"])
        // 999 ignored events for 1,000 acks: the first resumed the wait and produced none.
        #expect(flood.total == 999)
        // After the wait, the same ack is an unsolicited inv: ignored, nothing sent back.
        let late = try hub.receive(ack, from: "q", now: .now)
        #expect(late.count == 1)
        #expect(late.first.map { if case .ignored = $0 { true } else { false } } == true)
    }

    @Test("broadcasttx returns as soon as every peer acknowledged, long before its wait")
    func allAckedEarly() async throws {
        let hub = AltnetHub(txAckTimeout: .seconds(60))
        hub.connect("p", altnet: true)
        let tx = Self.transaction(5)
        let clock = ContinuousClock()
        let started = clock.now
        let result = try await hub.broadcastTx(BroadcastTxParams(tx: Hex.encode(tx.serialized())), via: FakeCarrier { outgoing in
            _ = try? hub.receive(Self.wire("inv", Self.inv(tx.txid.hash)), from: outgoing.peer, now: .now)
            return true
        })
        #expect(result.ackedBy == ["p"])
        #expect(clock.now - started < .seconds(10))
    }
}

/// Counts across the carrier's calls.
final class Counter: @unchecked Sendable {
    // @unchecked: only touched from the broadcast's tasks, one carrier call at a time in these tests.
    private(set) var total = 0
    func add(_ n: Int) { total += n }
}
