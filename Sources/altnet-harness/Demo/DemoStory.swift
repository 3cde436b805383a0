import BitcoinPrimitives
import BitcoindRPC
import Foundation

/// The demo's script: every step narrated, every process stopped at the end, success only when
/// Alice's bitcoind is at Bob's tip.
final class DemoStory: @unchecked Sendable {
    let binDir: String
    let dir: String
    let drivers: [String]
    let blocks: Int
    let staleTipSeconds: Int
    let timeout: Duration
    private let lock = NSLock()
    private var task: Task<Bool, Never>?
    private var nodes: [DemoNode] = []

    init(binDir: String, dir: String, drivers: [String], blocks: Int, staleTipSeconds: Int, timeout: Duration) {
        self.binDir = binDir
        self.dir = dir
        self.drivers = drivers
        self.blocks = blocks
        self.staleTipSeconds = staleTipSeconds
        self.timeout = timeout
    }

    /// Runs the story; returns true on success. Every process is stopped before it returns.
    func run() async -> Bool {
        let task = Task { () -> Bool in
            do {
                try await script()
                return true
            } catch is CancellationError {
                return false
            } catch {
                Narrator.say("FAILED: \(error)")
                for node in lock.withLock({ nodes }) {
                    for child in [node.bitcoind, node.altnetd].compactMap({ $0 }) {
                        Narrator.say("last lines of \(child.name)'s log (\(child.logPath)):\n\(child.logTail())")
                    }
                }
                return false
            }
        }
        lock.withLock { self.task = task }
        let ok = await task.value
        Narrator.say("stopping every process")
        for node in lock.withLock({ nodes }) { await node.stopAll() }
        Narrator.say(ok ? "demo passed" : "demo failed")
        return ok
    }

    /// Cancels the story (SIGINT/SIGTERM); cleanup still runs.
    func interrupt() { lock.withLock { task }?.cancel() }

    private func script() async throws {
        Narrator.say("Alice and Bob each run a bitcoind (here: simnode, a regtest double) and an altnetd beside it.")
        let bob = try await DemoNode(name: "Bob", dir: "\(dir)/bob", binDir: binDir)
        let alice = try await DemoNode(name: "Alice", dir: "\(dir)/alice", binDir: binDir)
        lock.withLock { nodes = [alice, bob] }
        try await bob.startBitcoind()
        try await alice.startBitcoind()
        Narrator.say("Bob's bitcoind: RPC 127.0.0.1:\(bob.rpcPort), P2P 127.0.0.1:\(bob.p2pPort) (BIP324 v2); Alice's: RPC 127.0.0.1:\(alice.rpcPort).")

        let common = 101
        let mined: [String] = try await bob.rpc.call("simgenerate", [.int(common)])
        for hex in mined {
            let hash = try BlockHash(displayHex: hex)
            _ = try await alice.rpc.submitBlock(try await bob.rpc.getBlockBytes(hash))
        }
        let shared = try await alice.tip()
        Narrator.say("They share a history of \(common) blocks; both tips are \(shared.hash.displayHex.prefix(16))… at height \(shared.height).")

        try await alice.rpc.callIgnoringResult("simsetpeers", [.array([])])
        Narrator.say("Alice's bitcoind is cut off from the P2P network: it has no peers.")

        lightningPort = try FreeLoopbackPort.pick()
        try await bob.startAltnetd(staleTipSeconds: 3600, crossCheckSeconds: 600, sections: bobSections())
        let bobNode = try await nodeID(bob)
        Narrator.say("Bob's altnetd is up; his Lightning node id is \(bobNode.prefix(20))…, listening on 127.0.0.1:\(lightningPort).")

        try await alice.startAltnetd(staleTipSeconds: staleTipSeconds, crossCheckSeconds: 600,
                                     sections: aliceSections(bobNode: bobNode, bob: bob))
        Narrator.say("Alice's altnetd is up with drivers \(drivers.joined(separator: " and ")); waiting for them to reach Bob.")
        try await waitFor("Alice's drivers to connect to Bob", timeout: .seconds(30)) {
            await self.connectedDrivers(alice).count == self.drivers.count
        }
        for driver in await connectedDrivers(alice).sorted() {
            Narrator.say("  \(driver): connected to Bob (\(driver == "lightning" ? "BOLT 8, Bob's altnetd" : "BIP324 v2, Bob's bitcoind"))")
        }

        let _: [String] = try await bob.rpc.call("simgenerate", [.int(blocks)])
        let target = try await bob.tip()
        Narrator.say("Bob's chain moves ahead: \(blocks) new blocks, tip \(target.hash.displayHex.prefix(16))… at height \(target.height). Alice hears nothing.")
        Narrator.say("Alice's watchdog will call her tip stale after \(staleTipSeconds) s without a new block.")

        let anomaly = try await waitForAnomaly(alice)
        Narrator.say("Alice's watchdog raised an anomaly: \(anomaly).")
        Narrator.say("AltLogicValidation asks Bob for headers over altnet, checks them, and hands them to Alice's bitcoind.")

        var lastHeight = shared.height
        let deadline = ContinuousClock.now + timeout
        while true {
            let now = try await alice.tip()
            if now.height != lastHeight {
                Narrator.say("  Alice's bitcoind is at height \(now.height) (\(now.height - shared.height) of \(blocks) blocks received)")
                lastHeight = now.height
            }
            if now.hash == target.hash { break }
            guard ContinuousClock.now < deadline else {
                throw DemoError("Alice did not reach Bob's tip within \(timeout) (she is at height \(now.height))")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Narrator.say("Alice's bitcoind is at Bob's tip \(target.hash.displayHex.prefix(16))… (height \(target.height)).")
        for line in try await rescueSummary(alice) { Narrator.say("  " + line) }
    }

    private var lightningPort = 0

    private func bobSections() -> String {
        """
        [lightning]
        listen=127.0.0.1:\(lightningPort)
        """
    }

    private func aliceSections(bobNode: String, bob: DemoNode) -> String {
        var text = ""
        if drivers.contains("lightning") {
            text += "[lightning]\nconnect=\(bobNode)@127.0.0.1:\(lightningPort)\n\n"
        }
        if drivers.contains("bip324") {
            text += "[bip324]\nconnect=127.0.0.1:\(bob.p2pPort)\n\n"
        }
        return text
    }

    private func nodeID(_ node: DemoNode) async throws -> String {
        try await poll("\(node.name)'s Lightning node id in getinfo", timeout: .seconds(20)) {
            guard let info = try? await node.cli("getinfo") as? [String: Any],
                  let lightning = info["lightning"] as? [String: Any] else { return nil }
            return lightning["nodeid"] as? String
        }
    }

    /// Names of Alice's drivers that have at least one peer.
    private func connectedDrivers(_ node: DemoNode) async -> Set<String> {
        guard let peers = try? await node.cli("listpeers") as? [[String: Any]] else { return [] }
        return Set(peers.compactMap { $0["driver"] as? String })
    }

    /// Waits for a chain anomaly on `node` and describes it.
    private func waitForAnomaly(_ node: DemoNode) async throws -> String {
        try await poll("\(node.name)'s watchdog to raise a chain anomaly", timeout: .seconds(Int64(staleTipSeconds) + 30)) {
            guard let list = try? await node.cli("listanomalies") as? [String: Any] else { return nil }
            let all = ((list["open"] as? [[String: Any]]) ?? []) + ((list["closed"] as? [[String: Any]]) ?? [])
            guard let hit = all.first(where: { ($0["category"] as? String) == "chain" }) else { return nil }
            return "\(hit["kind"] ?? "?"): \(hit["reason"] ?? "")"
        }
    }

    /// What Alice's altnetd reports about the rescue (anomaly outcome, alt chain tips).
    private func rescueSummary(_ node: DemoNode) async throws -> [String] {
        var lines: [String] = []
        if let list = try? await node.cli("listanomalies") as? [String: Any] {
            let all = ((list["open"] as? [[String: Any]]) ?? []) + ((list["closed"] as? [[String: Any]]) ?? [])
            for a in all where (a["category"] as? String) == "chain" {
                let outcome = a["outcome"].map { compactJSON($0) } ?? "none recorded"
                lines.append("anomaly \(a["kind"] ?? "?") (\((a["open"] as? Bool) == true ? "open" : "closed")): outcome \(outcome)")
            }
        }
        return lines
    }
}

/// One-line JSON for narration.
func compactJSON(_ value: Any) -> String {
    guard JSONSerialization.isValidJSONObject(value),
          let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "\(value)" }
    return String(decoding: data, as: UTF8.self)
}
