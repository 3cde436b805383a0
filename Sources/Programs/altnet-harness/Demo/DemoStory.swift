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
    /// simnode (default) or a real bitcoind.
    let backend: DemoBackend
    private let lock = NSLock()
    private var task: Task<Bool, Never>?
    private var nodes: [DemoNode] = []

    init(binDir: String, dir: String, drivers: [String], blocks: Int, staleTipSeconds: Int, timeout: Duration,
         backend: DemoBackend = .simnode) {
        self.backend = backend
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
        Narrator.say("Alice and Bob each run a bitcoind (here: \(backend.description)) and an altnetd beside it.")
        let bob = try await DemoNode(name: "Bob", dir: "\(dir)/bob", binDir: binDir, backend: backend)
        let alice = try await DemoNode(name: "Alice", dir: "\(dir)/alice", binDir: binDir, backend: backend)
        lock.withLock { nodes = [alice, bob] }
        try await bob.startBitcoind()
        try await alice.startBitcoind(listens: backend.isSimnode)
        if case .bitcoind(_, let cli) = backend {
            let version = try await bob.rpc.getNetworkInfo()
            guard version.version >= 260_000 else {
                throw DemoError("\(version.subversion) is too old: altnet needs Bitcoin Core v26 or later")
            }
            var says = "\(version.subversion), version \(version.version)"
            if let cli {
                let out = try await runToCompletion(cli, ["-regtest", "-datadir=\(bob.dir)/bitcoind", "-rpcport=\(bob.rpcPort)", "getnetworkinfo"])
                if let info = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], let sub = info["subversion"] {
                    says = "bitcoin-cli says \(sub), version \(info["version"] ?? "?")"
                }
            }
            Narrator.say("Bob's bitcoind is \(says).")
        }
        Narrator.say("Bob's bitcoind: RPC 127.0.0.1:\(bob.rpcPort), P2P 127.0.0.1:\(bob.p2pPort) (BIP324 v2); Alice's: RPC 127.0.0.1:\(alice.rpcPort).")

        let common = 101
        let mined = try await bob.mine(common)
        for hex in mined {
            let hash = try BlockHash(displayHex: hex)
            _ = try await alice.rpc.submitBlock(try await bob.rpc.getBlockBytes(hash))
        }
        let shared = try await alice.tip()
        Narrator.say("They share a history of \(common) blocks; both tips are \(shared.hash.displayHex.prefix(16))… at height \(shared.height).")

        try await backend.cutOff(alice.rpc)
        Narrator.say("Alice's bitcoind is cut off from the P2P network: it has no peers.")

        lightningPort = try FreeLoopbackPort.pick()
        try await bob.startAltnetd(staleTipSeconds: 3600, crossCheckSeconds: 600, sections: bobSections())
        let bobNode = try await nodeID(bob)
        Narrator.say("Bob's altnetd is up; his Lightning node id is \(bobNode.prefix(20))…, listening on 127.0.0.1:\(lightningPort).")

        try await startAlice(alice, bob: bob, bobNode: bobNode, drivers: drivers)
        var seen = try await anomalyIDs(alice)
        try await act(alice: alice, bob: bob, blocks: blocks, seen: &seen)

        if drivers.contains("lightning") && drivers.count > 1 {
            Narrator.say("Act two: Alice's ISP now blocks Bitcoin P2P traffic. She restarts altnetd with the Lightning driver only.")
            await alice.stopAltnetd()
            try await startAlice(alice, bob: bob, bobNode: bobNode, drivers: ["lightning"])
            seen = try await anomalyIDs(alice)
            try await act(alice: alice, bob: bob, blocks: max(1, blocks / 2), seen: &seen)
        }
        try await emergency(alice: alice, bob: bob)
    }

    /// Alice pushes one transaction out with sendemergencytx; it must reach Bob's mempool over altnet.
    private func emergency(alice: DemoNode, bob: DemoNode) async throws {
        struct BlockTxids: Decodable, Sendable { let tx: [String] }
        let first = try await alice.rpc.getBlockHash(height: 1)
        let block: BlockTxids = try await alice.rpc.call("getblock", [.hash(first), .int(1)])
        guard let coinbase = block.tx.first else { throw DemoError("block 1 has no transactions") }
        // Spends block 1's coinbase (paid to OP_TRUE on simnode, to P2WSH(OP_TRUE) on bitcoind:
        // no signature needed either way).
        let tx = backend.spend(coinbase: Txid(try Hash256(displayHex: coinbase)))
        let txid = tx.txid.hash.displayHex
        Narrator.say("Alice sends an emergency transaction \(txid.prefix(16))… with sendemergencytx: altnetd stores it in emergency.sqlite, then pushes it through every transport.")
        let out = try await runToCompletion("\(binDir)/sendemergencytx", ["--datadir", alice.altnetDir, tx.serialized().hex])
        if let reply = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any],
           let transports = reply["transports"] as? [[String: Any]] {
            if let local = reply["bitcoind"] as? [String: Any] {
                Narrator.say("  Alice's own bitcoind (not counted: it may be the eclipsed party): \((local["accepted"] as? Bool) == true ? "accepted" : "refused")")
            }
            for t in transports {
                Narrator.say("  \(t["transport"] ?? "?"): \((t["accepted"] as? Bool) == true ? "accepted" : "refused")\((t["detail"] as? String).map { " (\($0))" } ?? "")")
            }
        }
        try await waitFor("the transaction in Bob's mempool", timeout: .seconds(30)) {
            let pool: [String]? = try? await bob.rpc.call("getrawmempool")
            return pool?.contains(txid) == true
        }
        Narrator.say("Bob's bitcoind has it in its mempool: it crossed over Lightning to Bob's altnetd, which handed it to his bitcoind.")
    }

    /// Starts Alice's altnetd with `drivers` and waits until each has reached Bob.
    private func startAlice(_ alice: DemoNode, bob: DemoNode, bobNode: String, drivers: [String]) async throws {
        try await alice.startAltnetd(staleTipSeconds: staleTipSeconds, crossCheckSeconds: 600,
                                     sections: aliceSections(bobNode: bobNode, bob: bob, drivers: drivers))
        Narrator.say("Alice's altnetd is up with \(drivers.joined(separator: " and ")); waiting for \(drivers.count == 1 ? "it" : "them") to reach Bob.")
        try await waitFor("Alice's drivers to connect to Bob", timeout: .seconds(30)) {
            await self.connectedDrivers(alice).count == drivers.count
        }
        for driver in await connectedDrivers(alice).sorted() {
            Narrator.say("  \(driver): connected to Bob (\(driver == "lightning" ? "BOLT 8 to Bob's altnetd, which answers from his bitcoind" : "BIP324 v2 straight to Bob's bitcoind"))")
        }
    }

    /// Bob mines `blocks` while Alice hears nothing; Alice's watchdog raises a stale tip and her
    /// altnetd brings her to Bob's tip over altnet.
    private func act(alice: DemoNode, bob: DemoNode, blocks: Int, seen: inout Set<Int>) async throws {
        let start = try await alice.tip()
        let deadline = ContinuousClock.now + timeout
        _ = try await bob.mine(blocks)
        let target = try await bob.tip()
        Narrator.say("Bob's chain moves ahead: \(blocks) new blocks, tip \(target.hash.displayHex.prefix(16))… at height \(target.height). Alice hears nothing.")
        Narrator.say("Alice's watchdog calls a tip stale after \(staleTipSeconds) s without a new block.")

        let anomaly = try await waitForAnomaly(alice, excluding: seen, timeout: deadline - ContinuousClock.now)
        seen.insert(anomaly.id)
        Narrator.say("Alice's watchdog raised anomaly \(anomaly.id): \(anomaly.text).")
        Narrator.say("AltLogicValidation asks Bob for headers over altnet, validates them against Alice's chain, submits them, then fetches and submits the blocks.")

        var lastHeight = start.height
        while true {
            let now = try await alice.tip()
            if now.height != lastHeight {
                Narrator.say("  Alice's bitcoind is at height \(now.height) (\(now.height - start.height) of \(blocks) blocks)")
                lastHeight = now.height
            }
            if now.hash == target.hash { break }
            guard ContinuousClock.now < deadline else {
                throw DemoError("Alice did not reach Bob's tip within \(timeout) (she is at height \(now.height))")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        Narrator.say("Alice's bitcoind is at Bob's tip \(target.hash.displayHex.prefix(16))… (height \(target.height)).")
        if let line = try await rescueLine(alice, anomalyID: anomaly.id) { Narrator.say("  " + line) }
    }

    private var lightningPort = 0

    private func bobSections() -> String {
        """
        [lightning]
        listen=127.0.0.1:\(lightningPort)
        """
    }

    private func aliceSections(bobNode: String, bob: DemoNode, drivers: [String]) -> String {
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

    /// Ids of every anomaly `node` has open or closed now.
    private func anomalyIDs(_ node: DemoNode) async throws -> Set<Int> {
        guard let list = try await node.cli("listanomalies") as? [String: Any] else { return [] }
        let all = ((list["open"] as? [[String: Any]]) ?? []) + ((list["closed"] as? [[String: Any]]) ?? [])
        return Set(all.compactMap { $0["id"] as? Int })
    }

    /// Waits for a new stale-tip anomaly on `node` (one not in `seen`) and describes it.
    private func waitForAnomaly(_ node: DemoNode, excluding seen: Set<Int>, timeout: Duration) async throws -> (id: Int, text: String) {
        try await poll("\(node.name)'s watchdog to raise a stale-tip anomaly", timeout: timeout) {
            guard let list = try? await node.cli("listanomalies") as? [String: Any] else { return nil }
            let all = ((list["open"] as? [[String: Any]]) ?? []) + ((list["closed"] as? [[String: Any]]) ?? [])
            guard let hit = all.first(where: {
                ($0["kind"] as? String) == "stale-tip" && !seen.contains(($0["id"] as? Int) ?? -1)
            }), let id = hit["id"] as? Int else { return nil }
            return (id, "\(hit["kind"] ?? "?"): \(hit["reason"] ?? "")")
        }
    }

    /// The rescue report for `anomalyID`, in one line.
    private func rescueLine(_ node: DemoNode, anomalyID: Int) async throws -> String? {
        let report = try await poll("the rescue report for anomaly \(anomalyID)", timeout: .seconds(10)) { () -> UncheckedSendable<[String: Any]>? in
            guard let reports = try? await node.cli("listrescues") as? [[String: Any]] else { return nil }
            return reports.last(where: { ($0["anomaly_id"] as? Int) == anomalyID }).map { UncheckedSendable($0) }
        }.value
        let drivers = (report["drivers"] as? [String]) ?? []
        var line = "rescue \(report["outcome"] ?? "?"): \(report["headers_submitted"] ?? 0) headers and \(report["blocks_submitted"] ?? 0) blocks submitted, carried by \(drivers.isEmpty ? "no driver" : drivers.joined(separator: " and "))"
        if let first = report["first_header_ms"] as? Double, let done = report["caught_up_ms"] as? Double {
            line += String(format: "; first header %.0f ms and tip caught up %.0f ms after the rescue began", first, done)
        }
        return line
    }
}

/// Carries a JSON object (a `[String: Any]` from JSONSerialization) out of a polling closure.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// One-line JSON for narration.
func compactJSON(_ value: Any) -> String {
    guard JSONSerialization.isValidJSONObject(value),
          let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "\(value)" }
    return String(decoding: data, as: UTF8.self)
}
