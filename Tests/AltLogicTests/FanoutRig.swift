import AltLogic
import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import Logging
import Secp256k1
import Testing
import TestSupport

/// Alice and several peers, for the fan-out tests of issue 14: Alice's simnode, an in-process
/// Altstack of her drivers (`bip324` dialling peer simnodes over BIP324 v2, `ln` dialling
/// ``LightningPeer``s), and everything the test starts around them: peer simnodes and Lightning
/// peers, all stopped by ``with(_:)``, which then checks /proc that no process is left behind.
final class FanoutRig: @unchecked Sendable {
    // @unchecked: mutated by the test's own task only (start, add, stop), in sequence.
    let alice: SimnodeChild
    let logger: Logger
    private(set) var aliceStack: Altstack?
    private var stackTask: Task<Void, Never>?
    private var drainTask: Task<Void, Never>?
    private var nodes: [SimnodeChild] = []
    private var lightningPeers: [LightningPeer] = []
    /// Alice's Lightning key (her core holds it and answers her driver's ECDH).
    let aliceKey = PrivateKey()

    private init(alice: SimnodeChild, logger: Logger) {
        self.alice = alice
        self.logger = logger
    }

    /// Runs `body` with Alice's simnode started, then stops every process the rig started and
    /// records an issue for any left running (checked in /proc).
    static func with(_ body: (FanoutRig) async throws -> Void) async throws {
        let before = ChildProcesses.descendants()
        var logger = Logger(label: "altlogic-fanout-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["ALTLOGIC_TEST_LOG"] == nil ? .critical : .debug
        let rig = FanoutRig(alice: try await SimnodeChild.start(temporary: "fanout-alice"), logger: logger)
        do {
            try await body(rig)
        } catch {
            await rig.stop()
            throw error
        }
        await rig.stop()
        let left = await ChildProcesses.leftovers(since: before)
        #expect(left.isEmpty, "processes left behind: \(left)")
    }

    // MARK: Peers

    /// A peer simnode with a P2P listener (BIP324 v2, as bitcoind v26+) on `host`.
    /// - Parameters:
    ///   - host: a loopback address; distinct /16s are distinct network groups.
    ///   - port: 0 for any free port, or one reserved with `FreePort.loopback(host:)`.
    func peerNode(host: String = "127.0.0.1", port: Int = 0) async throws -> SimnodeChild {
        let node = try await SimnodeChild.start(
            temporary: "fanout-peer", .init(zmq: false, p2pPort: port, extra: ["--p2pbind", host]))
        nodes.append(node)
        return node
    }

    /// A simnode without P2P (the chain behind Lightning peers).
    func plainNode() async throws -> SimnodeChild {
        let node = try await SimnodeChild.start(temporary: "fanout-chain", .init(zmq: false))
        nodes.append(node)
        return node
    }

    /// A Lightning peer serving `node`'s chain (see ``LightningPeer``), started now.
    func lightningPeer(
        _ name: String, key: PrivateKey = PrivateKey(), host: String, port: Int? = nil, serving node: SimnodeChild
    ) throws -> LightningPeer {
        let peer = try LightningPeer(
            name: name, key: key, host: host, port: try port ?? FreePort.loopback(host: host), serving: node, logger: logger)
        lightningPeers.append(peer)
        return peer
    }

    // MARK: Alice's drivers

    /// Starts Alice's Altstack: `bip324` dialling `bip324` (HOST:PORT) and `ln` dialling
    /// `lightning` (NODEID@HOST:PORT); a driver with nothing to dial is left out.
    func startAlice(bip324: [String] = [], lightning: [String] = []) throws {
        var configs: [DriverConfig] = []
        let timeouts = DriverConfig.Timeouts(
            request: .seconds(30), heartbeatInterval: .seconds(2), heartbeatTimeout: .seconds(10), shutdownGrace: .seconds(2))
        let restart = RestartPolicy(baseDelay: .milliseconds(200), stableUptime: .milliseconds(200), parkAfter: 1000)
        let tmp = NSTemporaryDirectory()
        if !bip324.isEmpty {
            configs.append(DriverConfig(
                name: "bip324", executable: try BuiltProduct.path("altnet-driver-bip324"),
                options: ["connect": .array(bip324.map { .string($0) })],
                dataDir: tmp + "altlogic-fanout-bip324", timeouts: timeouts, restart: restart))
        }
        if !lightning.isEmpty {
            configs.append(DriverConfig(
                name: "ln", executable: try BuiltProduct.path("altnet-driver-lightning"),
                options: ["node_id": .string(Hex.encode(aliceKey.publicKey.serialized(compressed: true))),
                          "connect": .array(lightning.map { .string($0) })],
                dataDir: tmp + "altlogic-fanout-ln", timeouts: timeouts, restart: restart))
        }
        let stack = Altstack(drivers: configs, logger: logger, coreHandler: NodeKeySigner(keys: ["ln": aliceKey]).handler)
        aliceStack = stack
        stackTask = Task { try? await stack.run() }
        drainTask = Task { for await _ in stack.events {} }
    }

    /// Waits until Alice's `driver` lists exactly the peers `ids` (and is ready).
    /// - Returns: false on timeout.
    func waitForPeers(_ driver: String, _ ids: Set<String>, timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let snapshot = aliceStack?.snapshot().first(where: { $0.name == driver }),
               snapshot.state == .ready, Set(snapshot.peers.map(\.id)) == ids { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Alice's driver snapshots, for failure messages.
    var aliceDrivers: String {
        (aliceStack?.snapshot() ?? []).map { "\($0.name) \($0.state.rawValue) peers \($0.peers.map(\.id))" }.joined(separator: "; ")
    }

    /// Alice's AltLogicValidation, with short timeouts (a silent peer costs `requestTimeout`).
    func validation(_ configure: (inout AltLogicConfig) -> Void = { _ in }) throws -> AltLogicValidation {
        let stack = try #require(aliceStack, "startAlice first")
        var config = AltLogicConfig()
        config.requestTimeout = .seconds(4)
        config.blockTimeout = .seconds(20)
        config.tipWatchTimeout = .seconds(20)
        config.rescueTimeout = .seconds(90)
        configure(&config)
        return AltLogicValidation(altstack: stack, bitcoind: alice.rpc, chain: .regtest, config: config, logger: logger)
    }

    // MARK: Stop

    /// Alice's Altstack, the Lightning peers, then every simnode (SIGKILL); awaited.
    func stop() async {
        if let aliceStack {
            aliceStack.stop()
            _ = await stackTask?.value
            drainTask?.cancel()
        }
        aliceStack = nil
        for peer in lightningPeers { await peer.stop() }
        lightningPeers = []
        for node in nodes { await node.rpc.close(); node.kill() }
        nodes = []
        await alice.rpc.close()
        alice.kill()
    }
}

/// What a rescue report says about each source, read from its JSON (`sources`: driver, peer,
/// answer), so the tests do not depend on how the answer type is spelled in Swift.
struct SourceAnswers {
    struct Source: Decodable, Hashable {
        let driver: String
        let peer: String?
        let answer: String
    }
    private struct Shape: Decodable { let sources: [Source]? }

    let sources: [Source]

    init(_ report: RescueReport) {
        let data = (try? JSONEncoder().encode(report)) ?? Data()
        sources = (try? JSONDecoder().decode(Shape.self, from: data))?.sources ?? []
    }

    /// The answer of `peer` in `driver`, if it was asked.
    func answer(_ driver: String, _ peer: String) -> String? {
        sources.first { $0.driver == driver && $0.peer == peer }?.answer
    }

    /// The answers, for failure messages.
    var summary: String { sources.map { "\($0.driver)/\($0.peer ?? "*"): \($0.answer)" }.joined(separator: ", ") }
}

extension SimnodeChild {
    /// Copies `other`'s active chain from above our height up to `height` (submitblock): a
    /// shared history, before each node builds its own blocks.
    func copyBlocks(from other: SimnodeChild, through height: Int) async throws {
        let mine = try await self.height
        guard height > mine else { return }
        let heights = Array((mine + 1)...height)
        let hashes = try await other.rpc.batch("getblockhash", heights.map { [.int($0)] }, as: String.self).map { try $0.get() }
        let blocks = try await other.rpc.batch("getblock", hashes.map { [.string($0), 0] }, as: String.self).map { try $0.get() }
        for verdict in try await rpc.batch("submitblock", blocks.map { [.string($0)] }, as: String?.self) {
            if let refusal = try verdict.get() { throw CopyFailure(description: "copying blocks: submitblock said \(refusal)") }
        }
    }
}
