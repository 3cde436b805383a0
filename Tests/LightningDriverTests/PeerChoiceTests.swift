import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Secp256k1
import Testing
import TestSupport

/// `sendmessage` peer choice in the Lightning driver (docs/driver-protocol.md, "How the core fans
/// out"): a named peer gets the message or the request fails with -32004; an unnamed one goes to
/// a random altnet peer, not the lowest node id, which a peer can grind its key to get.
@Suite("Lightning driver: peer choice") struct PeerChoiceTests {
    /// A key whose node id sorts below every id in `others` (the grinding attack: a few tries).
    static func keySortingFirst(below others: [String]) -> PrivateKey {
        while true {
            let key = PrivateKey()
            let id = Hex.encode(key.publicKey.serialized(compressed: true))
            if others.allSatisfy({ id < $0 }) { return key }
        }
    }

    @Test("named peers answer by id, an unknown id gets -32004, unnamed requests spread beyond the lowest node id")
    func peerChoice() async throws {
        // Three peers ("s1" with a ground node id that sorts first); the hub dials all three.
        var keys: [String: PrivateKey] = ["s2": PrivateKey(), "s3": PrivateKey()]
        keys["s1"] = Self.keySortingFirst(below: keys.values.map { Hex.encode($0.publicKey.serialized(compressed: true)) })
        keys["hub"] = PrivateKey()
        let ids = keys.mapValues { Hex.encode($0.publicKey.serialized(compressed: true)) }
        let id = { (name: String) in ids[name] ?? "" }
        var configs: [DriverConfig] = []
        var targets: [JSONValue] = []
        for (index, name) in ["s1", "s2", "s3"].enumerated() {
            let port = try LightningFixtures.freePort()
            let host = "127.\(index + 1).0.1"
            configs.append(try LightningFixtures.config(name, options: ["node_id": .string(id(name)), "listen": .string("\(host):\(port)")]))
            targets.append(.string("\(id(name))@\(host):\(port)"))
        }
        configs.append(try LightningFixtures.config("hub", options: ["node_id": .string(id("hub")), "connect": .array(targets)]))
        let spokes = Dictionary(uniqueKeysWithValues: ["s1", "s2", "s3"].map { (id($0), $0) })

        try await withAltstack(configs, coreHandler: TestCore(keys: keys).handle) { altstack in
            // Each spoke answers a getheaders with an empty headers message.
            let answering = Task {
                for await event in altstack.events {
                    guard case .messageReceived(let driver, let peer, let message) = event, driver != "hub",
                          message.command == "getheaders" else { continue }
                    let reply = SendMessageParams(peer: peer, message: DriverP2PMessage(command: "headers", payload: "00"))
                    _ = try? await altstack.supervisor(named: driver)?.call(Methods.sendMessage, reply)
                }
            }
            defer { answering.cancel() }
            #expect(await altstack.waitUntilReady(count: 4, timeout: .seconds(20)))
            let linked = await eventually(timeout: .seconds(20)) {
                altstack.snapshot().first { $0.name == "hub" }?.peers.count == 3
            }
            try #require(linked, "the hub did not reach its three peers: \(altstack.snapshot())")
            let hub = try #require(altstack.supervisor(named: "hub"))
            let getheaders = DriverP2PMessage(command: "getheaders", payload: LightningFixtures.getHeadersPayload)
            func ask(_ peer: String?) async throws(DriverProtocolError) -> SendMessageResult {
                let params = SendMessageParams(peer: peer, message: getheaders, expect: ["headers"], timeoutMs: 10_000)
                return try await hub.call(Methods.sendMessage, params).result(as: SendMessageResult.self)
            }
            let listed = try await hub.call(Methods.listPeers, EmptyObject()).result(as: ListPeersResult.self).peers
            #expect(Set(listed.map(\.id)) == Set(spokes.keys))
            #expect(listed.allSatisfy { $0.startHeight == nil }, "Lightning has no version start height")

            // Named: each spoke, by its node id.
            for spoke in spokes.keys.sorted() {
                #expect(try await ask(spoke).peer == spoke)
            }
            // Unknown: refused, not redirected.
            let unknown = id("hub")
            do throws(DriverProtocolError) {
                let answer = try await ask(unknown)
                Issue.record("a request to an unknown node id was answered by \(answer.peer)")
            } catch {
                #expect(error.kind == .peerUnavailable, "\(error)")
            }
            // Unnamed: the lowest node id used to get all 45.
            var counts: [String: Int] = [:]
            for _ in 0..<45 {
                counts[spokes[try await ask(nil).peer] ?? "?", default: 0] += 1
            }
            // At random, one peer gets fewer than 4 of 45 with probability about 3 * 3e-5.
            #expect(["s1", "s2", "s3"].allSatisfy { counts[$0, default: 0] >= 4 }, "\(counts)")
        }
    }
}
