@testable import Altstack
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// Issue 15, backpressure: a driver whose peers stream made-up 4 MB blocks, and one streaming
/// requests faster than anyone takes them, cost the core a bounded amount of memory; a request
/// through a third driver still completes.
@Suite(.serialized) struct HostileBackpressureTests {
    /// The test process's resident memory may grow at most this much while the floods run
    /// (unbounded, the 4 MB blocks alone grew it by over a gigabyte in this time).
    static let boundKiB = 256 * 1024

    @Test func hostileBlockFloodStaysBoundedAndOtherDriverServed() async throws {
        let configs = [
            // Unsolicited 4 MB blocks (8 MB of hex per line), until killed.
            try DriverFixtures.testDriverConfig("flooder", ["--kinds", "blocks", "--flood", "block:4000000:0"], priority: 0),
            // getheaders-sized... but 200 kB each, faster than the (absent) consumer takes them.
            try DriverFixtures.testDriverConfig("chatter", ["--kinds", "headers", "--flood", "getheaders:200000:0"], priority: 2),
            try DriverFixtures.testDriverConfig("honest", ["--kinds", "headers"], priority: 1),
        ]
        try await withAltstack(configs) { altstack in
            #expect(await altstack.waitUntilReady(timeout: .seconds(20)))
            let before = try ResidentMemory.kib()
            let peak = LockedValue(before)
            let sampler = Task {
                while !Task.isCancelled {
                    if let now = try? ResidentMemory.kib() { peak.update { $0 = max($0, now) } }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            // Nobody reads altstack.events for 6 s: with unbounded queues everything would pile up.
            var answered: [Duration] = []
            let end = ContinuousClock.now + .seconds(6)
            while ContinuousClock.now < end {
                let start = ContinuousClock.now
                let answer = try await altstack.sendMessage(DriverFixtures.getHeaders, timeout: .seconds(10))
                #expect(answer.driver == "honest")
                answered.append(ContinuousClock.now - start)
                try await Task.sleep(for: .milliseconds(250))
            }
            sampler.cancel()
            let flooder = try #require(altstack.supervisor(named: "flooder")).snapshot
            let chatter = try #require(altstack.supervisor(named: "chatter")).snapshot
            let growth = peak.value - before
            print("hostile flood: RSS before \(before) KiB, peak \(peak.value) KiB, growth \(growth) KiB (bound \(Self.boundKiB)); "
                  + "flooder dropped \(flooder.traffic.droppedUnsolicited) unsolicited blocks, stdout queue \(flooder.traffic.stdoutBytes) B; "
                  + "chatter queued \(chatter.traffic.queuedMessages), dropped \(chatter.traffic.droppedQueueFull) (queue full); "
                  + "honest requests \(answered.count), slowest \(answered.max() ?? .zero)")
            #expect(growth < Self.boundKiB)
            #expect(flooder.traffic.droppedUnsolicited > 0)
            #expect(chatter.traffic.droppedQueueFull > 0)
            #expect(chatter.traffic.queuedMessages <= DriverQueueLimits().messages)
            #expect(flooder.traffic.stdoutBytes <= DriverQueueLimits().stdoutBytes + DriverProtocolLimits.maxLineBytes)
            #expect(answered.count >= 5)
            #expect((answered.max() ?? .zero) < .seconds(5))
            #expect(flooder.state == .ready && chatter.state == .ready)
            // Taking the queued messages frees the queue.
            var taken = 0
            for await event in altstack.events {
                if case .messageReceived(let driver, _, _) = event, driver == "chatter" { taken += 1 }
                if taken >= 10 { break }
            }
            #expect(taken == 10)
        }
    }

    @Test func mailboxPushWaitingStopsTheProducerUntilTheConsumerTakes() async throws {
        let mailbox = Mailbox<[UInt8]>(maxCost: 100) { $0.count }
        #expect(await mailbox.push(waiting: [UInt8](repeating: 0, count: 60)))
        #expect(await mailbox.push(waiting: [UInt8](repeating: 0, count: 60)))  // 60 < 100: admitted
        let pushed = LockedValue(false)
        let producer = Task {
            _ = await mailbox.push(waiting: [1])
            pushed.value = true
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(!pushed.value, "the producer must wait while 120 >= 100 bytes are queued")
        #expect(mailbox.depth.count == 2 && mailbox.depth.cost == 120)
        _ = await mailbox.next()
        await producer.value
        #expect(pushed.value)
        #expect(mailbox.depth.cost == 61)
        mailbox.close()
    }
}
