import AltLogic
import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Logging
import Secp256k1
import Testing
import TestSupport

/// Received driver events, for assertions.
final class EventLog: @unchecked Sendable {
    // @unchecked: `items` is guarded by `lock`.
    private let lock = NSLock()
    private var items: [DriverEvent] = []

    func append(_ event: DriverEvent) { lock.withLock { items.append(event) } }
    var all: [DriverEvent] { lock.withLock { items } }
}

/// Alice and Bob: two simnodes, each with an in-process Altstack of `altnet-driver-lightning`
/// subprocesses (Alice's driver i connects to Bob's driver i over 127.0.0.1). Bob's side answers
/// what arrives with ``Serving`` from Bob's simnode, unless the test installs its own responder.
final class TwoNodeRig: @unchecked Sendable {
    // @unchecked: set up once in `start`, read afterwards; tasks are cancelled in `stop`.
    let alice: SimnodeChild
    let bob: SimnodeChild
    let aliceStack: Altstack
    let bobStack: Altstack
    let aliceEvents = EventLog()
    let bobEvents = EventLog()
    let logger: Logger
    private var tasks: [Task<Void, Never>] = []

    /// Answers one message on Bob's side; the default is ``Serving``.
    typealias Responder = @Sendable (Altstack, String, String, DriverP2PMessage) async -> Void

    /// - Parameters:
    ///   - links: Lightning driver pairs (Alice's `ln-a<i>` dials Bob's `ln-b<i>`).
    ///   - responder: Bob's answers; nil for ``Serving`` over Bob's simnode.
    static func start(links: Int = 1, responder: Responder? = nil) async throws -> TwoNodeRig {
        let alice = try await SimnodeChild.start(temporary: "altlogic-alice")
        let bob: SimnodeChild
        do { bob = try await SimnodeChild.start(temporary: "altlogic-bob") } catch {
            alice.kill()
            throw error
        }
        return try TwoNodeRig(alice: alice, bob: bob, links: links, responder: responder)
    }

    private init(alice: SimnodeChild, bob: SimnodeChild, links: Int, responder: Responder?) throws {
        self.alice = alice
        self.bob = bob
        var logger = Logger(label: "altlogic-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["ALTLOGIC_TEST_LOG"] == nil ? .critical : .debug
        self.logger = logger
        let exe = try BuiltProduct.path("altnet-driver-lightning")
        var aliceConfigs: [DriverConfig] = [], bobConfigs: [DriverConfig] = []
        var aliceKeys: [String: PrivateKey] = [:], bobKeys: [String: PrivateKey] = [:]
        let tmp = NSTemporaryDirectory()
        for i in 1...links {
            let (ka, kb) = (PrivateKey(), PrivateKey())
            let idB = Hex.encode(kb.publicKey.serialized(compressed: true))
            let port = try FreePort.loopback()
            let timeouts = DriverConfig.Timeouts(request: .seconds(30), heartbeatInterval: .seconds(2), heartbeatTimeout: .seconds(10), shutdownGrace: .seconds(2))
            let restart = RestartPolicy(baseDelay: .milliseconds(200), stableUptime: .milliseconds(200), parkAfter: 1000)
            aliceConfigs.append(DriverConfig(
                name: "ln-a\(i)", executable: exe,
                options: ["node_id": .string(Hex.encode(ka.publicKey.serialized(compressed: true))),
                          "connect": .array([.string("\(idB)@127.0.0.1:\(port)")])],
                dataDir: tmp + "altlogic-ln-a\(i)", timeouts: timeouts, restart: restart))
            bobConfigs.append(DriverConfig(
                name: "ln-b\(i)", executable: exe,
                options: ["node_id": .string(idB), "listen": .string("127.0.0.1:\(port)")],
                dataDir: tmp + "altlogic-ln-b\(i)", timeouts: timeouts, restart: restart))
            aliceKeys["ln-a\(i)"] = ka
            bobKeys["ln-b\(i)"] = kb
        }
        aliceStack = Altstack(drivers: aliceConfigs, logger: logger, coreHandler: NodeKeySigner(keys: aliceKeys).handler)
        bobStack = Altstack(drivers: bobConfigs, logger: logger, coreHandler: NodeKeySigner(keys: bobKeys).handler)
        let serving = Serving(altstack: bobStack, bitcoind: bob.rpc, chain: .regtest, logger: logger)
        let answer: Responder = responder ?? { _, driver, peer, message in
            await serving.handle(driver: driver, peer: peer, message: message)
        }
        let (aliceStack, bobStack, aliceEvents, bobEvents) = (aliceStack, bobStack, aliceEvents, bobEvents)
        tasks.append(Task { try? await aliceStack.run() })
        tasks.append(Task { try? await bobStack.run() })
        tasks.append(Task { for await event in aliceStack.events { aliceEvents.append(event) } })
        tasks.append(Task {
            for await event in bobStack.events {
                bobEvents.append(event)
                if case .messageReceived(let driver, let peer, let message) = event {
                    // Answered concurrently, as altnetd does.
                    Task { await answer(bobStack, driver, peer, message) }
                }
            }
        })
    }

    /// Waits until every driver is ready and every Alice driver has its peer.
    func waitLinked(timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if aliceStack.snapshot().allSatisfy({ $0.state == .ready && $0.peers.count == 1 })
                && bobStack.snapshot().allSatisfy({ $0.state == .ready && $0.peers.count == 1 }) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// The start of every rescue test: Alice and Bob share `common` blocks, then Alice mines
    /// `aliceOwn` of her own and Bob `bobAhead` more; returns once the drivers are linked.
    /// - Throws: when mining fails or the drivers do not link within 30 s.
    func diverge(common: Int = 5, aliceOwn: Int = 0, bobAhead: Int) async throws {
        try await bob.mine(common)
        try await alice.copyBlocks(from: bob)
        if aliceOwn > 0 { try await alice.mineOwn(aliceOwn) }
        try await bob.mine(bobAhead)
        try #require(await waitLinked(), "drivers did not link: \(aliceStack.snapshot())")
    }

    /// Alice's AltLogicValidation.
    func validation(_ configure: (inout AltLogicConfig) -> Void = { _ in }) -> AltLogicValidation {
        var config = AltLogicConfig()
        config.requestTimeout = .seconds(15)
        config.blockTimeout = .seconds(20)
        config.tipWatchTimeout = .seconds(20)
        configure(&config)
        return AltLogicValidation(altstack: aliceStack, bitcoind: alice.rpc, chain: .regtest, config: config, logger: logger)
    }

    /// Stops both stacks and both simnodes (SIGKILL).
    func stop() async {
        aliceStack.stop()
        bobStack.stop()
        for task in tasks.prefix(2) { _ = await task.value }
        for task in tasks { task.cancel() }
        await alice.rpc.close()
        await bob.rpc.close()
        alice.kill()
        bob.kill()
    }
}
