import BitcoinPrimitives
import DriverProtocol
import LightningAltnetMessages
import LightningDriverCore
import Testing

/// The hub's waiting requests, with the carrier played by a closure and the clock injected.
@Suite("AltnetHub: requests and their replies")
struct AltnetHubTests {
    /// Never returns until cancelled: no request times out.
    static let never: @Sendable (Duration) async -> Void = { _ in try? await Task.sleep(for: .seconds(3600)) }

    static func getdata(_ word: UInt64) throws -> AltnetMessage {
        var writer = ByteWriter()
        Inventory.encodeList([Inventory(type: .block, hash: Hash256(words: (word, 0, 0, 0)))], to: &writer)
        return try AltnetMessage(command: "getdata", payload: writer.bytes)
    }

    /// The peer's answer to `getdata(word)`, as the carrier would hand it over.
    static func notfound(_ word: UInt64) throws -> LightningMessage {
        let request = try getdata(word)
        return LightningMessage(type: AltnetWire.messageType, payload: Fragments.body("notfound", request.payload))
    }

    @Test("the carrier's delivery carries the request; the peer's answer resumes it")
    func answered() async throws {
        let hub = AltnetHub(sleep: Self.never)
        hub.connect("p", altnet: true)
        let sent = Sent()
        let reply = try await hub.request(try Self.getdata(1), to: "p", expect: ["block", "notfound"], timeout: .seconds(1),
                                          via: FakeCarrier { outgoing in
            sent.add(outgoing.messages)
            // Another peer's identical answer is not the reply; this peer's is.
            hub.connect("q", altnet: true)
            let other = try? hub.receive(try! Self.notfound(1), from: "q", now: .now)
            #expect(other?.count == 1)
            let own = try? hub.receive(try! Self.notfound(1), from: "p", now: .now)
            #expect(own == [], "the reply goes to the waiter, not to the caller")
            return true
        })
        #expect(reply == (try AltnetMessage(command: "notfound", payload: try Self.getdata(1).payload)))
        #expect(sent.count == 1)
    }

    @Test("no answer: nil at the timeout")
    func timeout() async throws {
        let hub = AltnetHub(sleep: { _ in })
        hub.connect("p", altnet: true)
        let reply = try await hub.request(try Self.getdata(1), to: "p", expect: ["block"], timeout: .seconds(30),
                                          via: FakeCarrier { _ in true })
        #expect(reply == nil)
        // A late answer is then an ordinary message for the core.
        #expect(try hub.receive(try Self.notfound(1), from: "p", now: .now).count == 1)
    }

    @Test("the peer leaves: nil; the carrier refuses the messages: the refusal")
    func disconnectedAndRefused() async throws {
        let hub = AltnetHub(sleep: Self.never)
        hub.connect("p", altnet: true)
        let gone = try await hub.request(try Self.getdata(1), to: "p", expect: ["block"], timeout: .seconds(30),
                                         via: FakeCarrier { _ in
            hub.disconnect("p")
            return true
        })
        #expect(gone == nil)
        hub.connect("p", altnet: true)
        let full = OutboundQueueFull(peer: "p", queued: 10, size: 20, limit: 25)
        await #expect(throws: full) {
            _ = try await hub.request(try Self.getdata(2), to: "p", expect: ["block"], timeout: .seconds(30),
                                      via: FakeCarrier { (_) throws(OutboundQueueFull) -> Bool in throw full })
        }
        // A plain peer is never asked.
        hub.connect("plain", altnet: false)
        let plain = try await hub.request(try Self.getdata(3), to: "plain", expect: ["block"], timeout: .seconds(30),
                                          via: FakeCarrier { _ in
            Issue.record("nothing is sent to a plain peer")
            return true
        })
        #expect(plain == nil)
        // A carrier without a link to the peer any more: no reply, at once.
        let unlinked = try await hub.request(try Self.getdata(4), to: "p", expect: ["block"], timeout: .seconds(30),
                                             via: FakeCarrier { _ in false })
        #expect(unlinked == nil)
    }

    @Test("sendmessage and broadcasttx over a carrier: peer choice, refusals and replies as driver-protocol results")
    func driverMethods() async throws {
        let hub = AltnetHub(sleep: { _ in })
        let none = try await #require(throws: DriverProtocolError.self) {
            try await hub.broadcastTx(BroadcastTxParams(tx: "zz"), via: FakeCarrier { _ in true })
        }
        #expect(none.kind == .invalidParams, "\(none.message)")
        let empty = try await hub.broadcastTx(BroadcastTxParams(tx: "0100"), via: FakeCarrier { _ in true })
        #expect(!empty.accepted && empty.reason == "no altnet peer connected")
        hub.connect("p", altnet: true)
        hub.connect("q", altnet: true)
        hub.connect("plain", altnet: false)
        let full = OutboundQueueFull(peer: "q", queued: 1, size: 2, limit: 2)
        let result = try await hub.broadcastTx(BroadcastTxParams(tx: "0100"), via: FakeCarrier { (outgoing) throws(OutboundQueueFull) -> Bool in
            if outgoing.peer == "q" { throw full }
            return true
        })
        #expect(result.accepted && result.peers == 1)

        let message = DriverP2PMessage(command: "getdata", payload: Hex.encode(try Self.getdata(1).payload))
        let sent = try await hub.sendMessage(SendMessageParams(peer: "p", message: message), via: FakeCarrier { _ in true })
        #expect(sent.peer == "p" && sent.replies.isEmpty)
        let refused = try await #require(throws: DriverProtocolError.self) {
            _ = try await hub.sendMessage(SendMessageParams(peer: "q", message: message), via: FakeCarrier { (_) throws(OutboundQueueFull) -> Bool in throw full })
        }
        #expect(refused.kind == .peerUnavailable && refused.message.contains("is full"), "\(refused.message)")
        let plain = try await #require(throws: DriverProtocolError.self) {
            _ = try await hub.sendMessage(SendMessageParams(peer: "plain", message: message), via: FakeCarrier { _ in true })
        }
        #expect(plain.message.contains("plain Lightning peer"), "\(plain.message)")
        let silent = try await #require(throws: DriverProtocolError.self) {
            _ = try await hub.sendMessage(SendMessageParams(peer: "p", message: message, expect: ["block"], timeoutMs: 5), via: FakeCarrier { _ in true })
        }
        #expect(silent.kind == .timeout && silent.message == "no block from p within 5 ms", "\(silent.message)")
    }
}

/// A carrier played by a closure.
struct FakeCarrier: AltnetCarrier {
    let body: @Sendable (AltnetOutgoing) throws(OutboundQueueFull) -> Bool
    init(_ body: @escaping @Sendable (AltnetOutgoing) throws(OutboundQueueFull) -> Bool) { self.body = body }
    func deliver(_ outgoing: AltnetOutgoing) throws(OutboundQueueFull) -> Bool { try body(outgoing) }
}

/// What the fake carrier was given.
final class Sent: @unchecked Sendable {
    // @unchecked: `batches` is only touched from the request's own task in these tests.
    private(set) var batches: [[LightningMessage]] = []
    func add(_ messages: [LightningMessage]) { batches.append(messages) }
    var count: Int { batches.count }
}
