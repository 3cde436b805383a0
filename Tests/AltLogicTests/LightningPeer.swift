import AltLogic
import Altstack
import BitcoindRPC
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Logging
import Secp256k1
import TestSupport

/// One altnet Lightning peer for Alice to dial: an `altnet-driver-lightning` process listening on
/// a loopback address, with its own node key, run by an Altstack of its own (so it can start
/// after Alice's driver, "connected later") and answered by ``Serving`` over a simnode, as a
/// remote altnetd would. It counts the `getheaders` it receives.
final class LightningPeer: @unchecked Sendable {
    // @unchecked: set up in init; the counter is guarded by `lock`; tasks are ended in `stop`.
    let name: String
    let key: PrivateKey
    /// Compressed public key, hex: the id Alice's driver lists it by.
    let nodeID: String
    let host: String
    let port: Int
    private let stack: Altstack
    private let lock = NSLock()
    private var getheaders = 0
    private var tasks: [Task<Void, Never>] = []

    /// Alice's `connect` entry for it.
    var target: String { "\(nodeID)@\(host):\(port)" }

    /// The `getheaders` it received so far.
    var getheadersReceived: Int { lock.withLock { getheaders } }

    /// - Parameters:
    ///   - name: the peer's driver name (also its role in the test).
    ///   - key: its node key (e.g. one ground to sort first).
    ///   - host: a loopback address; distinct /16s make distinct network groups.
    ///   - port: its listen port (reserve one with `FreePort.loopback(host:)` to start it later).
    ///   - node: the simnode whose chain it serves.
    ///   - logger: for its Altstack and Serving.
    init(name: String, key: PrivateKey = PrivateKey(), host: String, port: Int, serving node: SimnodeChild, logger: Logger) throws {
        self.name = name
        self.key = key
        self.host = host
        self.port = port
        nodeID = Hex.encode(key.publicKey.serialized(compressed: true))
        let config = DriverConfig(
            name: name, executable: try BuiltProduct.path("altnet-driver-lightning"),
            options: ["node_id": .string(nodeID), "listen": .string("\(host):\(port)")],
            dataDir: NSTemporaryDirectory() + "altlogic-fanout-\(name)",
            timeouts: DriverConfig.Timeouts(
                request: .seconds(30), heartbeatInterval: .seconds(2), heartbeatTimeout: .seconds(10), shutdownGrace: .seconds(2)),
            restart: RestartPolicy(baseDelay: .milliseconds(200), stableUptime: .milliseconds(200), parkAfter: 1000))
        stack = Altstack(drivers: [config], logger: logger, coreHandler: NodeKeySigner(keys: [name: key]).handler)
        let serving = Serving(altstack: stack, bitcoind: node.rpc, chain: .regtest, logger: logger)
        let stack = self.stack
        tasks.append(Task { try? await stack.run() })
        tasks.append(Task { [weak self] in
            for await event in stack.events {
                guard case .messageReceived(let driver, let peer, let message) = event else { continue }
                if message.command == "getheaders" { self?.countGetHeaders() }
                // Answered concurrently, as altnetd does.
                Task { await serving.handle(driver: driver, peer: peer, message: message) }
            }
        })
    }

    private func countGetHeaders() { lock.withLock { getheaders += 1 } }

    /// Stops its driver and waits for the Altstack to finish.
    func stop() async {
        stack.stop()
        if let runner = tasks.first { _ = await runner.value }
        for task in tasks { task.cancel() }
    }

    /// A key whose node id sorts below every id in `others`: the grinding a peer does to be the
    /// one a "lowest node id" rule picks (a few tries for a handful of others).
    static func keySortingFirst(below others: [String]) -> PrivateKey {
        while true {
            let key = PrivateKey()
            let id = Hex.encode(key.publicKey.serialized(compressed: true))
            if others.allSatisfy({ id < $0 }) { return key }
        }
    }
}
