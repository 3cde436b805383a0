import AltLogic
import BitcoinPrimitives
import BitcoindRPC
import BitcoindZMQ
import Foundation
import JSON
import Simnode
import TestSupport
import Testing
import Watchdog

// The RPC -> ChainObserver and ZMQ -> FeedEvent glue lives in AltLogic (public, used by altnetd).

/// BitcoindZMQ and the Watchdog against `altnet-harness simnode` running as a real process.
@Suite(.serialized) struct WatchdogSimnodeTests {
    /// BitcoindZMQ against simnode's publisher: hashblock, rawblock and sequence agree with RPC.
    @Test func zmqSubscriberAgainstSimnode() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let node = try await SimnodeChild.start(datadir: dir.path)
        defer { node.kill() }
        let rpc = node.rpc
        let events = Collector<ZMQEvent>()
        let config = ZMQSubscriberConfiguration(endpoints: [node.zmqEndpoint], topics: [.hashBlock, .rawBlock, .sequence])
        let task = Task { for try await e in ZMQSubscriber(configuration: config).events() { events.append(e) } }
        defer { task.cancel() }
        await events.wait(timeout: 5) { $0.contains { if case .connected = $0 { true } else { false } } }
        try await Task.sleep(for: .milliseconds(300))  // let the subscription reach the publisher
        let mined: [String] = try await rpc.call("simgenerate", [3])
        let hashes = try mined.map { try BlockHash(displayHex: $0) }
        func messages(_ list: [ZMQEvent], _ topic: ZMQTopic) -> [ZMQMessage] {
            list.compactMap { if case .message(let m) = $0, m.topic == topic { m } else { nil } }
        }
        let list = await events.wait(timeout: 10) { messages($0, .hashBlock).count >= 3 && messages($0, .rawBlock).count >= 3 && messages($0, .sequence).count >= 3 }
        #expect(messages(list, .hashBlock).map(\.notification) == hashes.map { .hashBlock($0) })
        #expect(messages(list, .sequence).map(\.notification) == hashes.map { .sequence(.blockConnected($0)) })
        #expect(messages(list, .rawBlock).compactMap { if case .rawBlock(let b) = $0.notification { b.hash } else { nil } } == hashes)
        // Counters run per topic from 0 (no message lost, none malformed).
        #expect(messages(list, .hashBlock).map(\.sequence) == [0, 1, 2])
        #expect(!list.contains { if case .gap = $0 { true } else if case .malformed = $0 { true } else { false } })
    }

    static func opened(_ kind: AnomalyKind, after start: Int = 0) -> ([AnomalyChange]) -> Bool {
        { $0.dropFirst(start).contains { if case .opened(let a) = $0 { a.kind == kind } else { false } } }
    }

    static func closed(_ kind: AnomalyKind, after start: Int = 0) -> ([AnomalyChange]) -> Bool {
        { $0.dropFirst(start).contains { if case .closed(let a) = $0 { a.kind == kind } else { false } } }
    }

    static func peer(_ addr: String, _ type: String = "outbound-full-relay", transport: String = "v2") -> JSONValue {
        .object(["addr": .string(addr), "network": "ipv4", "connection_type": .string(type),
                 "transport_protocol_type": .string(transport)])
    }

    /// The scenarios of issue 5: stale tip raised and cleared, a better headers-only branch
    /// flagged, eclipse signs from dropped and replaced peers, bitcoind unreachable and back.
    @Test func watchdogEndToEnd() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        var node = try await SimnodeChild.start(datadir: dir.path)
        defer { node.kill() }
        let rpcPort = node.rpcPort
        let rpc = BitcoindRPCClient(.init(port: rpcPort, credentials: .cookieFile(dir.path + "/regtest/.cookie")))

        // A healthy peer set and a moving chain before the watchdog starts.
        let healthy: [JSONValue] = ["203.0.113.5:18444", "198.51.100.7:18444", "192.0.2.1:18444", "100.64.1.1:18444",
                                   "11.1.1.1:18444", "12.1.1.1:18444"].map { Self.peer($0) }
            + [Self.peer("8.8.4.4:18444", "block-relay-only"), Self.peer("9.9.9.9:18444", "block-relay-only")]
        let _: Int = try await rpc.call("simsetpeers", [.array(healthy)])
        let _: [String] = try await rpc.call("simgenerate", [1])
        try await rpc.callIgnoringResult("simsetmining", [true, .double(0.3)])

        var config = WatchdogConfig()
        config.staleTipSeconds = 2
        config.pollSeconds = 0.25
        config.unconnectedBranchSeconds = 1
        config.feedLagSeconds = 3
        let zmq = ZMQSubscriber(configuration: ZMQSubscriberConfiguration(
            endpoints: [node.zmqEndpoint], topics: [.hashBlock, .sequence], reconnectIntervalMs: 100))
        let (feed, feedInput) = AsyncStream.makeStream(of: FeedEvent.self)
        let zmqTask = Task {
            for try await e in zmq.events() { if let f = FeedEvent(zmq: e) { feedInput.yield(f) } }
        }
        defer { zmqTask.cancel() }
        let service = WatchdogService(config: config, observer: RPCChainObserver(rpc: rpc), feed: feed)
        let changes = Collector<AnomalyChange>()
        let stream = await service.board.subscribe()
        Task { for await c in stream { changes.append(c) } }
        let run = Task { try await service.run() }
        defer { run.cancel() }

        // 1. Healthy: blocks keep coming over RPC and ZMQ; nothing stale, no eclipse sign.
        try await Task.sleep(for: .seconds(2))
        let quiet = changes.snapshot.compactMap { if case .opened(let a) = $0 { a.kind } else { nil } }
        #expect(!quiet.contains(.staleTip))
        #expect(!quiet.contains(.zmqSilent) && !quiet.contains(.rpcBehindZMQ))
        #expect(!quiet.contains { $0.category == .peers })

        // 2. Stop mining: stale tip; resume: cleared.
        var mark = changes.snapshot.count
        try await rpc.callIgnoringResult("simsetmining", [false])
        let stopped = Date()
        #expect(Self.opened(.staleTip, after: mark)(await changes.wait(timeout: 8, until: Self.opened(.staleTip, after: mark))))
        print("e2e: stale tip raised \(String(format: "%.1f", Date().timeIntervalSince(stopped))) s after mining stopped (threshold 2 s)")
        try await rpc.callIgnoringResult("simsetmining", [true, .double(0.3)])
        #expect(Self.closed(.staleTip, after: mark)(await changes.wait(timeout: 8, until: Self.closed(.staleTip, after: mark))))

        // 3. A better headers-only branch (blocks withheld) is flagged, then cleared when connected.
        try await rpc.callIgnoringResult("simsetmining", [false])
        mark = changes.snapshot.count
        struct Fork: Decodable, Sendable { let tip: String; let status: String }
        let fork: Fork = try await rpc.call("simfork", [0, 3, "headers-only"])
        #expect(fork.status == "headers-only")
        let branch = await changes.wait(timeout: 8, until: Self.opened(.unconnectedBranch, after: mark))
        let flagged = branch.dropFirst(mark).compactMap { if case .opened(let a) = $0, a.kind == .unconnectedBranch { a } else { nil } }.first
        #expect(flagged?.evidence["branch_tip"] == fork.tip)
        #expect(flagged?.evidence["branch_work"] != "unknown")  // work came from getblockheader
        struct Activated: Decodable, Sendable { let tip: String }
        let activated: Activated = try await rpc.call("simactivate", [.string(fork.tip)])
        #expect(activated.tip == fork.tip)
        #expect(Self.closed(.unconnectedBranch, after: mark)(await changes.wait(timeout: 8, until: Self.closed(.unconnectedBranch, after: mark))))
        try await rpc.callIgnoringResult("simsetmining", [true, .double(0.3)])

        // 4. Drop the outbound full-relay peers: too few; then an all-new set in one /16.
        mark = changes.snapshot.count
        let dropped: Int = try await rpc.call("simdroppeers", ["outbound-full-relay"])
        #expect(dropped == 6)
        #expect(Self.opened(.fewOutboundPeers, after: mark)(await changes.wait(timeout: 5, until: Self.opened(.fewOutboundPeers, after: mark))))
        mark = changes.snapshot.count
        let captured: [JSONValue] = (1...8).map { Self.peer("198.51.\($0).\($0):18444", transport: "v1") }
        let _: Int = try await rpc.call("simsetpeers", [.array(captured)])
        let eclipse = await changes.wait(timeout: 5) { list in
            [.outboundOneNetgroup, .outboundReplaced, .noV2Outbound].allSatisfy { Self.opened($0, after: mark)(list) }
        }
        for kind in [AnomalyKind.outboundOneNetgroup, .outboundReplaced, .noV2Outbound] {
            #expect(Self.opened(kind, after: mark)(eclipse), "\(kind) not raised")
        }
        #expect(Self.closed(.fewOutboundPeers, after: mark)(eclipse))  // 8 full-relay again

        // 5. Kill simnode: bitcoind unreachable (never a chain anomaly); restart: recovered < 5 s.
        mark = changes.snapshot.count
        node.kill()
        let down = await changes.wait(timeout: 8, until: Self.opened(.bitcoindUnreachable, after: mark))
        #expect(Self.opened(.bitcoindUnreachable, after: mark)(down))
        let openedWhileDown = down.dropFirst(mark).compactMap { if case .opened(let a) = $0 { a.kind } else { nil } }
        #expect(!openedWhileDown.contains { $0.category == .chain })
        node = try await SimnodeChild.start(datadir: dir.path, .init(rpcPort: rpcPort))
        let restarted = Date()
        let up = await changes.wait(timeout: 10, until: Self.closed(.bitcoindUnreachable, after: mark))
        let recovery = Date().timeIntervalSince(restarted)
        print("e2e: bitcoind-unreachable cleared \(String(format: "%.2f", recovery)) s after simnode restarted")
        #expect(Self.closed(.bitcoindUnreachable, after: mark)(up))
        #expect(recovery < 5)
        await rpc.close()
    }
}
