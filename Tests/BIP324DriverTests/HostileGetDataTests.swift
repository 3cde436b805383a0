import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// Issue 15, the BIP324 driver's edge: a peer that asks for one stored transaction 50,000 times
/// in a single 1.8 MB `getdata` and never reads. Without de-duplication that queues 50,000
/// copies (20 GB for this 400 kB transaction); without a byte cap per peer, anything the core
/// sends it piles up in NIO. Measured: the driver's resident memory before and after, the
/// attacker dropped with a logged reason once the core's writes to it pass the cap, and an
/// honest peer beside it still served.
@Suite(.serialized) struct HostileBIP324DriverTests {
    /// A parseable 400 kB transaction: one input, one output whose script is 400,000 bytes.
    static func bigTransaction() -> [UInt8] {
        var w = ByteWriter()
        w.writeLE(UInt32(2))
        w.writeCompactSize(1)
        w.writeBytes([UInt8](repeating: 0x11, count: 32))
        w.writeLE(UInt32(0))
        w.writeCompactSize(0)
        w.writeLE(UInt32(0xFFFF_FFFF))
        w.writeCompactSize(1)
        w.writeLE(UInt64(0))
        w.writeCompactSize(400_000)
        w.writeBytes([UInt8](repeating: 0x6A, count: 400_000))
        w.writeLE(UInt32(0))
        return w.bytes
    }

    /// RSS growth allowed: the 4.1 MB cap, the stored transaction, the core's JSON lines in
    /// flight (hex doubles each 400 kB message) and allocator slack; far below the 20 GB the
    /// flood asks for.
    static let boundKiB = 24 * 1024

    @Test func hostileGetDataFloodFromAPeerThatNeverReads() async throws {
        let bad = try await BIP324DriverPeer(mode: "getdataflood")
        defer { bad.kill() }
        let good = try await BIP324DriverPeer(mode: "serve")
        defer { good.kill() }
        let cap = 4_100_000
        let config = try DriverFixture.config(ports: [bad.port, good.port], extra: ["outboundqueuebytes": .int(Int64(cap))])
        try await DriverFixture.withDriver(config) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let badID = "127.0.0.1:\(bad.port)"
            let goodID = "127.0.0.1:\(good.port)"
            #expect(await events.waitFor { $0.connectedPeer == badID } != nil)
            #expect(await events.waitFor { $0.connectedPeer == goodID } != nil)
            let pid = try #require(altstack.snapshot().first?.pid)
            let before = try ResidentMemory.kib(pid: pid)

            // The stored transaction, announced to both peers; the attacker floods.
            let tx = Self.bigTransaction()
            let outcomes = await altstack.broadcastTx(tx.hex)
            #expect(outcomes.count == 1)
            try await bad.waitFor(event: "flooded")
            let dedup = await events.waitForLog(["peer \(badID)", "getdata lists 50000 items", "49999 of them repeats"], timeout: .seconds(15))
            #expect(dedup != nil, "no de-duplication logged; logs: \(events.logs.suffix(20))")
            // The honest peer fetched the transaction too.
            try await good.waitFor(event: "tx", timeout: .seconds(15))
            try await Task.sleep(for: .seconds(1))
            let afterFlood = try ResidentMemory.kib(pid: pid)
            // One copy went out: the attacker is still connected (50,000 would pass the cap).
            #expect(!events.logs.contains { $0.contains("peer \(badID)") && $0.contains("disconnected:") },
                    "attacker dropped after one getdata: were its repeats served? \(events.logs.suffix(10))")

            // The core keeps writing to it (40 x 400 kB): past the cap the driver drops it.
            let driver = try #require(altstack.supervisor(named: "bip324"))
            let message = DriverP2PMessage(command: "tx", payload: tx.hex)
            for _ in 0..<40 {
                do throws(DriverProtocolError) {
                    _ = try await driver.call(Methods.sendMessage, SendMessageParams(peer: badID, message: message), timeout: .seconds(10))
                } catch {
                    break  // gone already
                }
            }
            let dropped = await events.waitForLog(["peer \(badID)", "disconnected:", "peer not reading", "cap of \(cap) bytes"], timeout: .seconds(15))
            #expect(dropped != nil, "the attacker was not dropped at the cap; logs: \(events.logs.suffix(20))")
            let after = try ResidentMemory.kib(pid: pid)
            FileHandle.standardError.write(Data(
                "hostile getdata: driver RSS \(before) KiB before, \(afterFlood) KiB after the flood, \(after) KiB after the cap; bound +\(Self.boundKiB) KiB\n".utf8))
            #expect(afterFlood - before < Self.boundKiB)
            #expect(after - before < Self.boundKiB)

            // The honest peer is unaffected.
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, peer: goodID, timeout: .seconds(20))
            #expect(answer.value.replies.first?.command == "headers")
            #expect(!events.all.contains { $0.disconnect?.peer == goodID })
        }
    }

    /// Silent inbound connections past `maxinbound`: closed at accept; an honest inbound v2 peer
    /// from another address connects during the attack (the oldest silent one is evicted for
    /// it); the others held are closed at the handshake deadline.
    @Test func hostileSilentInboundConnectionsPastMaxInbound() async throws {
        let port = try FreePort.loopback()
        let config = try DriverFixture.config(ports: [], extra: [
            "listen": .string("127.0.0.1:\(port)"), "maxinbound": .int(4), "handshaketimeoutms": .int(3000),
        ])
        try await DriverFixture.withDriver(config) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let pid = try #require(altstack.snapshot().first?.pid)
            let before = try ResidentMemory.kib(pid: pid)
            let held = try HeldConnections(count: 4, port: port)
            defer { held.close() }
            let attackBegan = ContinuousClock.now
            let (extraClosed, during) = try await offPool { () -> (Int, Int) in
                usleep(300_000)
                let extra = try HeldConnections(count: 8, port: port)
                defer { extra.close() }
                return (extra.closedCount(within: 1.5), (try? ResidentMemory.kib(pid: pid)) ?? 0)
            }
            #expect(extraClosed == 8, "\(extraClosed) of 8 connections past maxinbound 4 closed at accept")
            #expect(await events.waitForLog(["4 inbound connections already open (maxinbound)"], timeout: .seconds(5)) != nil)
            // During the attack, an honest v2 peer from 127.0.0.2 dials in, takes the slot of the
            // oldest silent connection and finishes its handshake before the 3 s deadline.
            let honest = try await BIP324DriverPeer(mode: "initiator", ["\(port)"], host: "127.0.0.2")
            defer { honest.kill() }
            #expect(await events.waitFor(timeout: .seconds(15)) { $0.connectedPeer?.hasPrefix("127.0.0.2:") == true } != nil)
            #expect(ContinuousClock.now - attackBegan < .seconds(3), "the honest peer got in only after the handshake deadline")
            #expect(await events.waitForLog(["closed the oldest connection from 127.0.0.1 without a finished handshake"], timeout: .seconds(5)) != nil)
            let (heldClosed) = try await offPool { held.closedCount(within: 8) }
            #expect(heldClosed == 4, "\(heldClosed) of 4 silent connections closed (one evicted, three at the handshake deadline)")
            let after = try ResidentMemory.kib(pid: pid)
            FileHandle.standardError.write(Data(
                "hostile inbound: driver RSS \(before) KiB before, \(during) KiB with 12 connections, \(after) KiB after; bound +\(Self.boundKiB) KiB\n".utf8))
            #expect(during - before < Self.boundKiB)
            #expect(after - before < Self.boundKiB)
        }
    }
}
