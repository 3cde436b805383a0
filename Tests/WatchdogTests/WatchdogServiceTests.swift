import BitcoinPrimitives
import Foundation
import Logging
import ServiceLifecycle
import Testing
import TestSupport
import Watchdog

/// A bitcoind stand-in for the service loop: mines on command, can fail.
actor FakeChain: ChainObserver {
    private var height = 0
    private var failing = false
    private(set) var polls = 0

    func observe() throws -> ChainObservation {
        struct Refused: Error, CustomStringConvertible { var description: String { "connection refused" } }
        polls += 1
        if failing { throw Refused() }
        return ChainObservation(at: Date(), bestBlockHash: Recorded.hash(UInt64(height)), height: height,
                                tipTime: Date(), chainWork: ObservedWork(UInt64(height + 1)), headers: height,
                                initialBlockDownload: false)
    }

    func mine() { height += 1 }
    func setFailing(_ f: Bool) { failing = f }
    var tipHash: BlockHash { Recorded.hash(UInt64(height)) }
}

/// The service loop: timer-driven polls raise and clear anomalies even when no feed says
/// anything, feed events are taken, an unreachable bitcoind is its own kind.
@Suite struct WatchdogServiceTests {
    static func config() -> WatchdogConfig {
        var c = WatchdogConfig()
        c.staleTipSeconds = 1
        c.pollSeconds = 0.1
        c.feedLagSeconds = 0.5
        return c
    }

    static func start(_ chain: FakeChain, feed: AsyncStream<FeedEvent>?, config: WatchdogConfig = config())
        async -> (Task<Void, any Error>, Collector<AnomalyChange>, WatchdogService) {
        let service = WatchdogService(config: config, observer: chain, feed: feed)
        let changes = Collector<AnomalyChange>()
        let stream = await service.board.subscribe()
        Task { for await c in stream { changes.append(c) } }
        let task = Task { try await service.run() }
        return (task, changes, service)
    }

    static func opened(_ kind: AnomalyKind) -> ([AnomalyChange]) -> Bool {
        { $0.contains { if case .opened(let a) = $0 { a.kind == kind } else { false } } }
    }

    static func closed(_ kind: AnomalyKind) -> ([AnomalyChange]) -> Bool {
        { $0.contains { if case .closed(let a) = $0 { a.kind == kind } else { false } } }
    }

    @Test func staleTipRaisedAndClearedWithoutAnyFeed() async throws {
        let chain = FakeChain()
        var config = Self.config()
        config.zmqEnabled = false
        let (task, changes, service) = await Self.start(chain, feed: nil, config: config)
        defer { task.cancel() }
        #expect(Self.opened(.staleTip)(await changes.wait(timeout: 15, until: Self.opened(.staleTip))))
        await chain.mine()
        #expect(Self.closed(.staleTip)(await changes.wait(timeout: 15, until: Self.closed(.staleTip))))
        let open = await service.board.openAnomalies
        #expect(!open.contains { $0.kind == .staleTip })
    }

    @Test func unreachableThenRecovery() async throws {
        let chain = FakeChain()
        let (task, changes, service) = await Self.start(chain, feed: nil)
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        await chain.setFailing(true)
        let list = await changes.wait(timeout: 15, until: Self.opened(.bitcoindUnreachable))
        let unreachable = try #require(list.compactMap { if case .opened(let a) = $0, a.kind == .bitcoindUnreachable { a } else { nil } }.first)
        #expect(unreachable.severity == .critical)
        #expect(unreachable.reason.contains("connection refused"))
        let back = Date()
        await chain.setFailing(false)
        await changes.wait(timeout: 15, until: Self.closed(.bitcoindUnreachable))
        #expect(Date().timeIntervalSince(back) < 3)  // 0.1 s polls; slack for a loaded machine
        #expect(!(await service.board.openAnomalies).contains { $0.kind == .bitcoindUnreachable })
        #expect((await service.board.closed).contains { $0.kind == .bitcoindUnreachable && $0.end != nil })
    }

    @Test func silentFeedAndFeedAhead() async throws {
        let chain = FakeChain()
        let (feed, feedInput) = AsyncStream.makeStream(of: FeedEvent.self)
        let (task, changes, _) = await Self.start(chain, feed: feed)
        defer { task.cancel() }
        // The first poll must see the old tip (a tip present at start is no feed evidence).
        for _ in 0..<250 where await chain.polls == 0 { try await Task.sleep(for: .milliseconds(20)) }
        // RPC moves, ZMQ says nothing.
        await chain.mine()
        #expect(Self.opened(.zmqSilent)(await changes.wait(timeout: 15, until: Self.opened(.zmqSilent))))
        // ZMQ announces a block RPC never shows.
        feedInput.yield(.blockConnected(Recorded.hash(999)))
        #expect(Self.opened(.rpcBehindZMQ)(await changes.wait(timeout: 15, until: Self.opened(.rpcBehindZMQ))))
        // A gap on the feed.
        feedInput.yield(.gap(topic: "hashblock", missed: 4))
        #expect(Self.opened(.zmqGap)(await changes.wait(timeout: 15, until: Self.opened(.zmqGap))))
    }

    @Test func runEndsOnCancellation() async throws {
        let (task, _, _) = await Self.start(FakeChain(), feed: AsyncStream { _ in })
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let start = Date()
        _ = try? await task.value
        #expect(Date().timeIntervalSince(start) < 2)
    }
}


@Suite struct WatchdogServiceGroupTests {
    /// In a ServiceGroup (as altnetd runs it), graceful shutdown ends the watchdog.
    @Test func gracefulShutdownEndsRun() async throws {
        var config = WatchdogConfig()
        config.pollSeconds = 0.1
        let service = WatchdogService(config: config, observer: FakeChain(), feed: nil)
        let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "test")))
        let task = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(300))
        let start = Date()
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(Date().timeIntervalSince(start) < 2)
    }
}

/// An observer whose first two polls take 750 ms each (a bitcoind busy for 1.5 s), then answers
/// at once; records when each poll started.
actor SlowChain: ChainObserver {
    private(set) var starts: [ContinuousClock.Instant] = []
    func observe() async throws -> ChainObservation {
        starts.append(.now)
        if starts.count <= 2 { try await Task.sleep(for: .milliseconds(750)) }
        return ChainObservation(at: Date(), bestBlockHash: Recorded.hash(0), height: 0, tipTime: Date(),
                                chainWork: ObservedWork(1), headers: 0, initialBlockDownload: false)
    }
}

@Suite struct WatchdogServiceCoalescingTests {
    /// Ticks that queue up behind a slow poll do not turn into a burst of polls afterwards.
    @Test func slowPollsAreNotQueuedUp() async throws {
        var config = WatchdogConfig()
        config.pollSeconds = 0.05
        let chain = SlowChain()
        let service = WatchdogService(config: config, observer: chain, feed: nil)
        let task = Task { try await service.run() }
        for _ in 0..<500 where await chain.starts.count < 3 { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        _ = try? await task.value
        let starts = await chain.starts
        try #require(starts.count >= 3, "the slow polls never finished")
        // Polls in the 40 ms after the busy phase: ~30 ticks queued meanwhile; coalesced, at
        // most the one due plus one timer tick run.
        let burst = starts.dropFirst(2).filter { $0 - starts[2] < .milliseconds(40) }.count
        print("coalescing: \(burst) poll(s) right after the busy phase, \(starts.count) in all")
        #expect(burst <= 3, "burst: \(burst)")
    }
}
