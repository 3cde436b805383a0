import BitcoinPrimitives
import BitcoindZMQ
import Foundation
import TestSupport
import Testing

/// BitcoindZMQ against a real pyzmq PUB socket sending bitcoind's exact frames
/// (integration/zmq_publisher.py): byte order, counters, gaps, malformed input, reconnects.
@Suite(.serialized) struct ZMQPublisherInteropTests {
    static func startPublisher(port: Int? = nil) async throws -> (LineProcess, String) {
        let hasZMQ = try await offPool { PythonCheck.has("zmq") }
        try #require(hasZMQ, "python3 with pyzmq is required: pip install pyzmq")
        let arguments = port.map { ["--port", String($0)] } ?? []
        let publisher = try await offPool { UncheckedBox(try LineProcess(script: "zmq_publisher.py", arguments: arguments)) }.value
        let ready = await publisher.line(startingWith: "READY ")
        let endpoint = try #require(ready, "zmq_publisher.py did not start").dropFirst("READY ".count)
        return (publisher, String(endpoint))
    }

    static func subscribe(_ endpoint: String, capacity: Int = 256) -> (Task<Void, Never>, Collector<ZMQEvent>) {
        let config = ZMQSubscriberConfiguration(
            endpoints: [endpoint], topics: [.hashBlock, .rawBlock, .sequence, .rawTx],
            bufferCapacity: capacity, reconnectIntervalMs: 50, reconnectIntervalMaxMs: 200)
        let events = Collector<ZMQEvent>()
        let task = Task {
            do {
                for try await event in ZMQSubscriber(configuration: config).events() { events.append(event) }
            } catch {
                Issue.record("subscriber failed: \(error)")
            }
        }
        return (task, events)
    }

    /// Sends probes until one arrives: the subscription is live (PUB drops before that).
    static func awaitLive(_ publisher: LineProcess, _ events: Collector<ZMQEvent>, after count: Int = 0) async throws {
        for _ in 0..<100 {
            publisher.send("probe")
            let got = await events.wait(timeout: 0.1) { list in
                list.dropFirst(count).contains { if case .message(let m) = $0 { m.topic == .rawTx } else { false } }
            }
            if got.dropFirst(count).contains(where: { if case .message(let m) = $0 { m.topic == .rawTx } else { false } }) {
                return
            }
        }
        Issue.record("no probe arrived in 10 s")
        throw CancellationError()
    }

    static func isProbe(_ e: ZMQEvent) -> Bool {
        switch e {
        case .message(let m): m.topic == .rawTx
        case .connected, .disconnected: true
        case .gap(let topic, _, _, _), .publisherRestarted(let topic, _, _): topic == .rawTx
        default: false
        }
    }

    @Test func bitcoindFramesGapsAndMalformedInput() async throws {
        let (publisher, endpoint) = try await Self.startPublisher()
        defer { publisher.stop() }
        let (task, events) = Self.subscribe(endpoint)
        defer { task.cancel() }
        try await Self.awaitLive(publisher, events)
        let start = events.snapshot.count
        publisher.send("scenario")
        _ = await publisher.line(startingWith: "DONE")
        let all = await events.wait(timeout: 10) { list in
            list.contains { if case .message(let m) = $0 { m.topic == .hashBlock && m.sequence == 6 } else { false } }
        }
        let got = all.dropFirst(start).filter { !Self.isProbe($0) }

        // What Python sent (display-order hex, as bitcoind sends).
        let sent = publisher.lines.snapshot.filter { $0.hasPrefix("SENT ") }.compactMap { line -> [String: Any]? in
            try? JSONSerialization.jsonObject(with: Data(line.dropFirst(5).utf8)) as? [String: Any]
        }
        func body(_ topic: String, _ seq: Int) throws -> String {
            try #require(sent.first { $0["topic"] as? String == topic && $0["seq"] as? Int == seq }?["body"] as? String)
        }
        let rawBlockHash = try #require(sent.compactMap { $0["rawblock_hash"] as? String }.first)
        let h1 = try BlockHash(displayHex: try body("hashblock", 0))
        let h2 = try BlockHash(displayHex: try body("hashblock", 1))
        let txid = try Hash256(displayHex: String(try body("sequence", 1).prefix(64)))
        let h6 = try BlockHash(displayHex: try body("hashblock", 5))
        let h7 = try BlockHash(displayHex: try body("hashblock", 6))

        let expectedHead: [ZMQEvent] = [
            .message(ZMQMessage(topic: .hashBlock, sequence: 0, notification: .hashBlock(h1))),
            .message(ZMQMessage(topic: .hashBlock, sequence: 1, notification: .hashBlock(h2))),
            .message(ZMQMessage(topic: .sequence, sequence: 0, notification: .sequence(.blockConnected(h1)))),
            .message(ZMQMessage(topic: .sequence, sequence: 1, notification: .sequence(.transactionAdded(txid: txid, mempoolSequence: 7)))),
            .message(ZMQMessage(topic: .sequence, sequence: 2, notification: .sequence(.transactionRemoved(txid: txid, mempoolSequence: 8)))),
            .message(ZMQMessage(topic: .sequence, sequence: 3, notification: .sequence(.blockDisconnected(h2)))),
        ]
        #expect(Array(got.prefix(6)) == expectedHead)
        // rawblock: the header parsed from bytes hashes to what Python computed.
        guard got.count > 6, case .message(let raw) = got[6], case .rawBlock(let block) = raw.notification else {
            Issue.record("no rawblock at position 6: \(got)")
            return
        }
        #expect(block.hash.displayHex == rawBlockHash)
        #expect(block.header.previousBlockHash == h2)
        let expectedTail: [ZMQEvent] = [
            .gap(topic: .hashBlock, expected: 2, received: 5, missed: 3),
            .message(ZMQMessage(topic: .hashBlock, sequence: 5, notification: .hashBlock(h6))),
            .malformed(ZMQFrameError(.frameCount(2))),
            .malformed(ZMQFrameError(.bodyLength(topic: .hashBlock, expected: "32", got: 31))),
            .malformed(ZMQFrameError(.sequenceLength(3))),
            .malformed(ZMQFrameError(.unknownTopic("hashblockx"))),
            .malformed(ZMQFrameError(.unknownSequenceLabel(UInt8(ascii: "X")))),
            .malformed(ZMQFrameError(.bodyLength(topic: .sequence, expected: "41 for label A or R", got: 33))),
            .malformed(ZMQFrameError(.bodyLength(topic: .rawBlock, expected: "more than 80", got: 79))),
            .malformed(ZMQFrameError(.frameCount(12))),
            .malformed(ZMQFrameError(.bodyLength(topic: .sequence, expected: "33 (C, D) or 41 (A, R)", got: 0))),
            .message(ZMQMessage(topic: .hashBlock, sequence: 6, notification: .hashBlock(h7))),
        ]
        #expect(Array(got.dropFirst(7)) == expectedTail)
    }

    /// The publisher dies and comes back on the same port: the SUB socket reconnects by
    /// itself and the reset counters read as a restart, not as a gap.
    @Test func reconnectsAfterPublisherRestart() async throws {
        var (publisher, endpoint) = try await Self.startPublisher()
        defer { publisher.stop() }
        let port = try #require(endpoint.split(separator: ":").last.flatMap { Int($0) })
        let (task, events) = Self.subscribe(endpoint)
        defer { task.cancel() }
        try await Self.awaitLive(publisher, events)
        publisher.send("hashblock")
        publisher.send("hashblock")
        await events.wait(timeout: 5) { $0.filter { if case .message(let m) = $0 { m.topic == .hashBlock } else { false } }.count == 2 }

        publisher.stop()
        let down = await events.wait(timeout: 10) { $0.contains { if case .disconnected = $0 { true } else { false } } }
        #expect(down.contains { if case .disconnected(let e) = $0 { e == endpoint } else { false } })

        (publisher, _) = try await Self.startPublisher(port: port)
        let before = events.snapshot.count
        try await Self.awaitLive(publisher, events, after: before)
        publisher.send("hashblock")
        let after = await events.wait(timeout: 5) { list in
            list.dropFirst(before).contains { if case .message(let m) = $0 { m.topic == .hashBlock } else { false } }
        }.dropFirst(before)
        let connects = events.snapshot.filter { if case .connected = $0 { true } else { false } }.count
        #expect(connects >= 2, "expected a reconnect")
        #expect(after.contains(.publisherRestarted(topic: .hashBlock, previous: 1, received: 0)))
        #expect(!after.contains { if case .gap(let t, _, _, _) = $0 { t == .hashBlock } else { false } })
    }

    /// A consumer that stops reading: the thread keeps at most `capacity` events and counts
    /// the rest; everything sent is either delivered or reported as dropped.
    @Test func slowConsumerIsBoundedAndTold() async throws {
        let (publisher, endpoint) = try await Self.startPublisher()
        defer { publisher.stop() }
        let config = ZMQSubscriberConfiguration(endpoints: [endpoint], topics: [.hashBlock, .rawTx], bufferCapacity: 4)
        let events = Collector<ZMQEvent>()
        let paused = Collector<Bool>()  // non-empty: paused
        let task = Task {
            do {
                for try await event in ZMQSubscriber(configuration: config).events() {
                    events.append(event)
                    while !paused.snapshot.isEmpty && !Task.isCancelled { try await Task.sleep(for: .milliseconds(10)) }
                }
            } catch {}
        }
        defer { task.cancel() }
        try await Self.awaitLive(publisher, events)
        paused.append(true)
        try await Task.sleep(for: .milliseconds(300))
        let before = events.snapshot.count
        let burst = 200
        for _ in 0..<burst { publisher.send("hashblock") }
        try await Task.sleep(for: .seconds(2))
        let whilePaused = events.snapshot.count - before
        paused.removeAll()
        func tally(_ list: [ZMQEvent]) -> (delivered: Int, dropped: Int, lags: Int) {
            var d = 0, x = 0, l = 0
            for e in list.dropFirst(before) {
                switch e {
                case .message(let m) where m.topic == .hashBlock: d += 1
                case .consumerLagged(let n): x += n; l += 1
                default: break
                }
            }
            return (d, x, l)
        }
        let final = await events.wait(timeout: 10) { let t = tally($0); return t.delivered + t.dropped >= burst }
        let t = tally(final)
        print("slow consumer (capacity 4): \(burst) sent, \(t.delivered) delivered, \(t.dropped) reported dropped in \(t.lags) event(s); \(whilePaused) taken while paused")
        #expect(t.delivered + t.dropped == burst)
        #expect(t.delivered <= 4 + 2)
        #expect(t.lags >= 1)
        #expect(whilePaused <= 1)
    }

    /// bitcoind may publish topics on different addresses (-zmqpubhashblock=A
    /// -zmqpubrawtx=B): one subscriber connects to both and gets each topic in order.
    @Test func topicsOnSeveralEndpoints() async throws {
        let (a, endpointA) = try await Self.startPublisher()
        defer { a.stop() }
        let (b, endpointB) = try await Self.startPublisher()
        defer { b.stop() }
        let config = ZMQSubscriberConfiguration(endpoints: [endpointA, endpointB], topics: [.hashBlock, .rawTx])
        let events = Collector<ZMQEvent>()
        let task = Task { for try await e in ZMQSubscriber(configuration: config).events() { events.append(e) } }
        defer { task.cancel() }
        let connected = await events.wait(timeout: 5) { $0.filter { if case .connected = $0 { true } else { false } }.count == 2 }
        #expect(Set(connected.compactMap { if case .connected(let e) = $0 { e } else { nil } }) == [endpointA, endpointB])
        try await Self.awaitLive(b, events)  // rawtx from B
        let start = events.snapshot.count
        for _ in 0..<3 {
            a.send("hashblock")
            try await Task.sleep(for: .milliseconds(100))  // A's subscription may still be on its way: retry below
        }
        let list = await events.wait(timeout: 5) { list in
            list.dropFirst(start).contains { if case .message(let m) = $0 { m.topic == .hashBlock && m.sequence == 2 } else { false } }
        }
        let fromA = list.dropFirst(start).compactMap { if case .message(let m) = $0, m.topic == .hashBlock { m.sequence } else { nil } }
        #expect(fromA.last == 2)
        #expect(fromA == fromA.sorted())
        #expect(!list.contains { if case .malformed = $0 { true } else { false } })
    }

    /// A subscriber pointed at an invalid endpoint finishes its stream with a typed error.
    @Test func badEndpointIsATypedError() async throws {
        let stream = ZMQSubscriber(configuration: ZMQSubscriberConfiguration(endpoints: ["tcp://not a host"])).events()
        do {
            for try await _ in stream {}
            Issue.record("stream ended without an error")
        } catch let error as ZMQSubscriberError {
            #expect(error.call.hasPrefix("zmq_connect"))
        }
    }

    /// Cancelling the consumer stops the thread: the stream ends promptly even with no publisher.
    @Test func cancellationStopsTheSubscriber() async throws {
        let stream = ZMQSubscriber(configuration: ZMQSubscriberConfiguration(endpoints: ["tcp://127.0.0.1:1"])).events()
        let task = Task { for try await _ in stream {} }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let start = Date()
        _ = try? await task.value
        #expect(Date().timeIntervalSince(start) < 2)
    }
}

