import BitcoinPrimitives
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
        let reply = try await hub.request(try Self.getdata(1), to: "p", expect: ["block", "notfound"], timeout: .seconds(1)) { messages in
            sent.add(messages)
            // Another peer's identical answer is not the reply; this peer's is.
            hub.connect("q", altnet: true)
            let other = try? hub.receive(try! Self.notfound(1), from: "q", now: .now)
            #expect(other?.count == 1)
            let own = try? hub.receive(try! Self.notfound(1), from: "p", now: .now)
            #expect(own == [], "the reply goes to the waiter, not to the caller")
        }
        #expect(reply == (try AltnetMessage(command: "notfound", payload: try Self.getdata(1).payload)))
        #expect(sent.count == 1)
    }

    @Test("no answer: nil at the timeout")
    func timeout() async throws {
        let hub = AltnetHub(sleep: { _ in })
        hub.connect("p", altnet: true)
        let reply = try await hub.request(try Self.getdata(1), to: "p", expect: ["block"], timeout: .seconds(30)) { _ in }
        #expect(reply == nil)
        // A late answer is then an ordinary message for the core.
        #expect(try hub.receive(try Self.notfound(1), from: "p", now: .now).count == 1)
    }

    @Test("the peer leaves: nil; the carrier refuses the messages: the refusal")
    func disconnectedAndRefused() async throws {
        let hub = AltnetHub(sleep: Self.never)
        hub.connect("p", altnet: true)
        let gone = try await hub.request(try Self.getdata(1), to: "p", expect: ["block"], timeout: .seconds(30)) { _ in
            hub.disconnect("p")
        }
        #expect(gone == nil)
        hub.connect("p", altnet: true)
        let full = OutboundQueueFull(peer: "p", queued: 10, size: 20, limit: 25)
        await #expect(throws: full) {
            _ = try await hub.request(try Self.getdata(2), to: "p", expect: ["block"], timeout: .seconds(30)) { (_) throws(OutboundQueueFull) in
                throw full
            }
        }
        // A plain peer is never asked.
        hub.connect("plain", altnet: false)
        let plain = try await hub.request(try Self.getdata(3), to: "plain", expect: ["block"], timeout: .seconds(30)) { _ in
            Issue.record("nothing is sent to a plain peer")
        }
        #expect(plain == nil)
    }
}

/// What the fake carrier was given.
final class Sent: @unchecked Sendable {
    // @unchecked: `batches` is only touched from the request's own task in these tests.
    private(set) var batches: [[LightningMessage]] = []
    func add(_ messages: [LightningMessage]) { batches.append(messages) }
    var count: Int { batches.count }
}
