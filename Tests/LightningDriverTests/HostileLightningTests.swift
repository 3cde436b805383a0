import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Logging
import Secp256k1
import Testing
import TestSupport

/// Issue 15, the Lightning driver's edge: throwaway node ids that finish the BOLT 8 handshake
/// and never send `init` must not hold inbound slots (init deadline, `max_inbound`), and a peer
/// that leaves our pings unanswered is dropped (pong deadline). Each test measures the driver's
/// resident memory before and after and links an honest peer beside the attackers.
@Suite("Lightning driver: hostile peers", .serialized)
struct HostileLightningTests {
    /// RSS growth allowed across an attack: a few dozen links' buffers and allocator slack.
    static let boundKiB = 16 * 1024

    /// The driver (listening, with short deadlines) and what a test needs of it.
    private func withDriver(
        _ options: [String: JSONValue],
        _ body: (_ port: Int, _ driverID: String, _ pid: Int32, _ log: LogRecorder, _ altstack: Altstack) async throws -> Void
    ) async throws {
        let driverKey = PrivateKey()
        let driverID = Hex.encode(driverKey.publicKey.serialized(compressed: true))
        let core = TestCore(keys: ["ln": driverKey])
        let config = try LightningFixtures.config(
            "ln", options: options.merging(["node_id": .string(driverID), "listen": .string("127.0.0.1:0")]) { given, _ in given })
        let log = LogRecorder()
        var logger = Logger(label: "core") { _ in RecordingLogHandler(log) }
        logger.logLevel = .info
        try await withAltstack([config], coreHandler: core.handle, logger: logger) { altstack in
            #expect(await altstack.waitUntilReady(count: 1, timeout: .seconds(20)))
            let driver = try #require(altstack.supervisor(named: "ln"))
            let info = try await driver.call("lightning.getinfo", EmptyObject()).result(as: ReconnectTests.GetInfo.self)
            let port = try #require(info.listen?.split(separator: ":").last.flatMap { Int($0) })
            let pid = try #require(altstack.snapshot().first?.pid)
            try await body(port, driverID, pid, log, altstack)
        }
    }

    /// An honest plain Lightning peer links and is listed.
    /// - Parameter bind: its source address (another 127.x address than the attacker's), if any.
    private func honestPeerLinks(port: Int, driverID: String, altstack: Altstack, bind: String? = nil) async throws {
        let key = PrivateKey()
        let id = Hex.encode(key.publicKey.serialized(compressed: true))
        let honest = try PythonPeer(script: "lightning_plain_peer.py", arguments: [
            "--privkey", Hex.encode(key.rawRepresentation), "--node-id", driverID, "--port", "\(port)", "--seconds", "3",
        ] + (bind.map { ["--bind", $0] } ?? []))
        defer { honest.stop() }
        let ready = try await offPool { try honest.readLine() }
        #expect(ready.hasPrefix("READY "), "the honest peer did not link: \"\(ready)\"; stderr: \(honest.stderrText())")
        let listed = await eventually(timeout: .seconds(5)) { altstack.snapshot().first?.peers.contains { $0.id == id } == true }
        #expect(listed, "the honest peer is not listed")
    }

    @Test("40 throwaway node ids that never send init: at most max_inbound held, an honest peer from another address links during the attack, all closed at the init deadline")
    func hostileThrowawayNodeIDsNeverSendingInit() async throws {
        try await withDriver(["init_timeout_ms": .int(5000), "max_inbound": .int(8)]) { port, driverID, pid, log, altstack in
            let before = try ResidentMemory.kib(pid: pid)
            let swarm = try PythonPeer(script: "lightning_bad_peer.py", arguments: [
                "no-init-swarm", "--privkey", Hex.encode(PrivateKey().rawRepresentation), "--node-id", driverID,
                "--port", "\(port)", "--count", "40", "--seconds", "15",
            ])
            defer { swarm.stop() }
            let opened = try await offPool { try swarm.readLine() }
            let counts = opened.split(separator: " ")
            try #require(counts.count == 4 && counts[0] == "OPENED", "swarm said \"\(opened)\"; stderr: \(swarm.stderrText())")
            let (held, refused) = (Int(counts[1]) ?? -1, Int(counts[3]) ?? -1)
            let during = try ResidentMemory.kib(pid: pid)
            #expect(held + refused == 40)
            #expect(held >= 8, "the driver held \(held) of 40")
            #expect(refused > 0, "no connection refused at max_inbound 8")
            #expect(await eventually(timeout: .seconds(5)) { log.contains("already open (max_inbound)") })
            // During the attack (every slot held, the deadline not reached), an honest peer from
            // another address takes the slot of the oldest link that never sent init, and links.
            let attackBegan = ContinuousClock.now
            try await honestPeerLinks(port: port, driverID: driverID, altstack: altstack, bind: "127.0.0.2")
            #expect(ContinuousClock.now - attackBegan < .seconds(5), "the honest peer linked only after the init deadline")
            #expect(log.contains("closed the oldest connection from 127.0.0.1 that had not sent init, for one from 127.0.0.2"), "\(log.all.suffix(5))")
            // Every held link is closed at the deadline (5 s, checked every 250 ms) or was evicted.
            let closed = try await offPool { try swarm.readLine() }
            let parts = closed.split(separator: " ")
            try #require(parts.count == 4 && parts[0] == "CLOSED", "swarm said \"\(closed)\"")
            #expect(Int(parts[1]) == held, "\(closed): the driver kept links that never sent init")
            #expect((Double(parts[3]) ?? 99) < 8, "\(closed)")
            // The log line comes through the driver's stderr, after the socket closed.
            #expect(await eventually(timeout: .seconds(5)) { log.contains("no init within 5000 ms of the BOLT 8 handshake") }, "\(log.all.suffix(5))")
            // The slots are free again: an honest peer links.
            try await honestPeerLinks(port: port, driverID: driverID, altstack: altstack)
            let after = try ResidentMemory.kib(pid: pid)
            FileHandle.standardError.write(Data(
                "hostile no-init swarm: \(held) held, \(refused) refused; driver RSS \(before) KiB before, \(during) KiB during, \(after) KiB after; bound +\(Self.boundKiB) KiB\n".utf8))
            #expect(during - before < Self.boundKiB)
            #expect(after - before < Self.boundKiB)
        }
    }

    @Test("a peer that never answers our pings is closed at the pong deadline")
    func hostilePeerNeverAnsweringPings() async throws {
        try await withDriver(["ping_interval_ms": .int(500), "pong_timeout_ms": .int(2000)]) { port, driverID, pid, log, altstack in
            let before = try ResidentMemory.kib(pid: pid)
            let mute = try PythonPeer(script: "lightning_bad_peer.py", arguments: [
                "no-pong", "--privkey", Hex.encode(PrivateKey().rawRepresentation), "--node-id", driverID,
                "--port", "\(port)", "--seconds", "10",
            ])
            defer { mute.stop() }
            let outcome = try await offPool { try mute.readLine() }
            #expect(outcome == "CLOSED", "mute peer said \"\(outcome)\"; stderr: \(mute.stderrText())")
            #expect(await eventually(timeout: .seconds(5)) { log.contains("ping not answered within 2000 ms") }, "\(log.all.suffix(5))")
            // An honest peer answers its pings (1 a second for 3 s) and stays.
            try await honestPeerLinks(port: port, driverID: driverID, altstack: altstack)
            let after = try ResidentMemory.kib(pid: pid)
            FileHandle.standardError.write(Data("hostile no-pong: driver RSS \(before) KiB before, \(after) KiB after; bound +\(Self.boundKiB) KiB\n".utf8))
            #expect(after - before < Self.boundKiB)
        }
    }
}
