import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Secp256k1
import Testing
import TestSupport

/// A reply goes to the request it answers (DriverKit's `ExpectedReply`), not to the oldest
/// request waiting for its command: two `altnet-driver-lightning` processes over 127.0.0.1, lnb
/// asks lna for blocks A and B, and lna's core (this test) answers B first.
@Suite("Lightning driver: replies paired with their requests")
struct LightningReplyPairingTests {
    typealias Request = Task<SendMessageResult, any Error>

    /// Two blocks on real mainnet headers (shared data), each with one coinbase-shaped
    /// transaction: the driver reads the header hash and parses the block, nothing more.
    static func blocks() throws -> [Block] {
        let raw = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        return try (0..<2).map { i in
            let header = try BlockHeader(bytes: raw[(i * 80)..<(i * 80 + 80)])
            let coinbase = Transaction(
                version: 1, inputs: [TxIn(previousOutput: .null, scriptSig: [0x02, UInt8(i), 0x01], sequence: .max)],
                outputs: [TxOut(value: 312_500_000, scriptPubKey: [0x51])], lockTime: 0)
            return Block(header: header, transactions: [coinbase])
        }
    }

    static func getdata(_ hash: BlockHash) -> DriverP2PMessage {
        var w = ByteWriter()
        Inventory.encodeList([Inventory(type: .witnessBlock, hash: hash.hash)], to: &w)
        return DriverP2PMessage(command: "getdata", payload: w.bytes.hex)
    }

    @Test("two getdata in flight, answered in the opposite order: each gets its own block")
    func reverseOrder() async throws {
        let pair = try LinkedDrivers()
        let (core, idA, idB, configA, configB) = (pair.core, pair.idA, pair.idB, pair.configA, pair.configB)
        let blocks = try Self.blocks()
        #expect(blocks[0].hash != blocks[1].hash)

        try await withAltstack([configA, configB], coreHandler: core.handle) { altstack in
            let received = Received()
            let events = Task {
                for await event in altstack.events {
                    guard case .messageReceived(let driver, let peer, let message) = event else { continue }
                    received.append(driver: driver, peer: peer, message: message)
                }
            }
            defer { events.cancel() }
            #expect(await altstack.waitUntilReady(count: 2, timeout: .seconds(20)))
            let linked = await eventually(timeout: .seconds(20)) { altstack.snapshot().allSatisfy { $0.peers.count == 1 } }
            try #require(linked, "the two drivers did not connect: \(altstack.snapshot())")
            let lna = try #require(altstack.supervisor(named: "lna"))
            let lnb = try #require(altstack.supervisor(named: "lnb"))

            // lnb asks for A, then (once lna's core has A's request) for B.
            var requests: [Request] = []
            for (index, block) in blocks.enumerated() {
                let params = SendMessageParams(peer: idA, message: Self.getdata(block.hash), expect: ["block", "notfound"], timeoutMs: 15_000)
                requests.append(Task {
                    try await lnb.call(Methods.sendMessage, params, timeout: .seconds(20)).result(as: SendMessageResult.self)
                })
                let arrived = await eventually(timeout: .seconds(15)) { received.count(driver: "lna") == index + 1 }
                try #require(arrived, "lna's core got \(received.count(driver: "lna")) getdata, expected \(index + 1)")
            }
            let asked = received.messages(driver: "lna").map(\.message)
            #expect(asked == blocks.map { Self.getdata($0.hash) })

            // lna's core answers B, then A.
            for block in blocks.reversed() {
                let reply = DriverP2PMessage(command: "block", payload: block.serialized().hex)
                _ = try await lna.call(Methods.sendMessage, SendMessageParams(peer: idB, message: reply), timeout: .seconds(20))
            }
            for (request, block) in zip(requests, blocks) {
                let answer = try await request.value
                let reply = try #require(answer.replies.first)
                #expect(reply.command == "block")
                let got = try Block(bytes: try [UInt8](hex: reply.payload))
                #expect(got.hash == block.hash, "the reply to getdata \(block.hash) is block \(got.hash)")
            }
            // Both were replies: none reached lnb's core as a notification.
            #expect(received.count(driver: "lnb") == 0)
        }
    }
}
