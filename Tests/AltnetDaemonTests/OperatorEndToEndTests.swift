import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 18 end to end: altnetd started with no altnet.conf beside a simnode whose data directory
/// holds a bitcoin.conf, and `altnet-cli doctor` against a healthy and a broken setup.
@Suite(.serialized) struct OperatorEndToEndTests {
    /// Starts altnetd with `args` (no altnet.conf) and waits for its control socket.
    static func start(dir: String, _ args: [String]) async throws -> SpawnedProcess {
        let exe = try BuiltProduct.path("altnetd")
        let child = try await offPool { try SpawnedProcess(exe, ["--datadir", dir] + args, stderrPath: dir + ".altnetd.stderr") }
        let up = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            FileManager.default.fileExists(atPath: dir + "/.cookie") && FileManager.default.fileExists(atPath: dir + "/altnetd.sock")
        }
        if !up { child.kill() }
        try #require(up, "altnetd did not come up: \(child.stderr)")
        return child
    }

    /// Writes `text` as bitcoin.conf in simnode's data directory.
    static func writeBitcoinConf(_ simnode: SimnodeChild, _ text: String) throws {
        try text.write(toFile: simnode.datadir + "/bitcoin.conf", atomically: true, encoding: .utf8)
    }

    /// bitcoin.conf with regtest, the RPC port and ZMQ: altnetd finds all of it, logs one line
    /// naming each choice, and talks to that bitcoind. Without ZMQ it asks for the exact lines.
    @Test func zeroConfigStartFromBitcoinConf() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let simnode = try await SimnodeChild.start(datadir: root.path + "/sim")
        defer { simnode.kill() }
        _ = try await simnode.rpc.call("simgenerate", [2]) as [String]
        try Self.writeBitcoinConf(simnode, """
            # bitcoind's own configuration
            regtest=1
            server=1
            [regtest]
            rpcport=\(simnode.rpcPort)
            zmqpubhashblock=\(simnode.zmqEndpoint)
            zmqpubsequence=\(simnode.zmqEndpoint)
            """)
        let dir = root.path + "/alt"
        let child = try await Self.start(dir: dir, ["--bitcoind.datadir=\(simnode.datadir)", "--control.metrics="])
        defer { child.kill() }
        let line = try #require(child.stderr.split(separator: "\n").first { $0.contains("no altnet.conf: read bitcoind's") },
                                "no discovery line: \(child.stderr)")
        for part in ["\(simnode.datadir)/bitcoin.conf", "network regtest (regtest=1)",
                     "rpc 127.0.0.1:\(simnode.rpcPort) ([regtest] rpcport)",
                     "cookie \(simnode.cookiePath) (default)", "zmq \(simnode.zmqEndpoint) ([regtest] zmqpubhashblock)", "not pruned"] {
            #expect(line.contains(part), "\(part) missing from: \(line)")
        }
        #expect(!child.stderr.contains("zmqpubhashblock=tcp://127.0.0.1:28332"), "asked for ZMQ though it was there")
        let info = try DaemonEndToEndTests.json(try await DaemonEndToEndTests.cli(dir, "getinfo").out)
        #expect(info["network"] as? String == "regtest")
        #expect(((info["bitcoind"] as? [String: Any])?["tip"] as? [String: Any])?["height"] as? Int == 2, "\(info)")
        // ZMQ from bitcoin.conf delivers: doctor's zmq line is OK once a block is published.
        _ = try await simnode.rpc.call("simgenerate", [1]) as [String]
        var doctor = ""
        let zmqOK = await eventually(timeout: .seconds(10), every: .milliseconds(100)) {
            doctor = (try? await DaemonEndToEndTests.cli(dir, "doctor"))?.out ?? ""
            return doctor.contains("OK   zmq:")
        }
        #expect(zmqOK, "\(doctor)")
        kill(child.pid, SIGTERM)
        _ = await child.waitForExit(timeout: 20)

        // The same without ZMQ lines: altnetd still starts, and says exactly what to add.
        try Self.writeBitcoinConf(simnode, "regtest=1\n[regtest]\nrpcport=\(simnode.rpcPort)\n")
        let again = try await Self.start(dir: dir, ["--bitcoind.datadir=\(simnode.datadir)", "--control.metrics="])
        defer { again.kill() }
        let err = again.stderr
        #expect(err.contains("zmq none"), "\(err)")
        #expect(err.contains("Add these lines to \(simnode.datadir)/bitcoin.conf, restart bitcoind, then restart altnetd:"), "\(err)")
        #expect(err.contains("\n    zmqpubhashblock=tcp://127.0.0.1:28332\n    zmqpubsequence=tcp://127.0.0.1:28332"), "\(err)")
        #expect(try await DaemonEndToEndTests.cli(dir, "getinfo").status == 0)
    }

    /// A healthy setup: bitcoind (simnode, v26, v2transport, not pruned) with ZMQ delivering and
    /// the BIP324 driver connected to it: every line OK, exit 0.
    @Test func doctorHealthy() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let simnode = try await SimnodeChild.start(datadir: root.path + "/sim", .init(p2pPort: 0))
        defer { simnode.kill() }
        _ = try await simnode.rpc.call("simgenerate", [3]) as [String]
        let p2p = try #require(simnode.p2pPort)
        let node = try await DriverAlone.startAltnetd(dir: root.path + "/alt", simnode: simnode,
                                                      drivers: ["--bip324.connect=127.0.0.1:\(p2p)"])
        defer { node.child.kill() }
        #expect(await DriverAlone.hasPeer(node.dir, "bip324"), "\(node.child.stderr.suffix(2000))")
        _ = try await simnode.rpc.call("simgenerate", [1]) as [String]
        var last: (status: Int32, out: String, err: String)?
        let healthy = await eventually(timeout: .seconds(15), every: .milliseconds(100)) {
            last = try? await DaemonEndToEndTests.cli(node.dir, "doctor")
            return last?.status == 0 && last?.out.contains("WARN") == false
        }
        let out = last?.out ?? ""
        #expect(healthy, "doctor not all OK:\n\(out)\(last?.err ?? "")")
        let lines = out.split(separator: "\n")
        for name in ["altnetd", "bitcoind", "credentials", "sync", "zmq", "pruning", "v2transport", "driver bip324", "clock", "disk"] {
            #expect(lines.contains { $0.hasPrefix("OK   \(name):") }, "no OK line for \(name):\n\(out)")
        }
        #expect(lines.allSatisfy { $0.hasPrefix("OK ") }, "\(out)")
    }

    /// ZMQ missing, a driver parked, then bitcoind down: each is a FAIL line that says what to
    /// do, and doctor exits 1. With altnetd stopped, doctor says so and exits 1.
    @Test func doctorFailures() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let simnode = try await SimnodeChild.start(datadir: root.path + "/sim", .init(zmq: false))
        defer { simnode.kill() }
        // A BIP324 driver that dies at once, every time: the Altstack parks it.
        let driverDir = root.path + "/drivers"
        try FileManager.default.createDirectory(atPath: driverDir, withIntermediateDirectories: true)
        try "#!/bin/sh\necho 'cannot start: test driver' >&2\nexit 1\n"
            .write(toFile: driverDir + "/altnet-driver-bip324", atomically: true, encoding: .utf8)
        chmod(driverDir + "/altnet-driver-bip324", 0o755)
        let dir = root.path + "/alt"
        try "network=regtest\n".write(toFile: root.path + "/altnet.conf", atomically: true, encoding: .utf8)
        let child = try await Self.start(dir: dir, [
            "--conf", root.path + "/altnet.conf", "--driverdir", driverDir, "--control.metrics=",
            "--bitcoind.rpcconnect=127.0.0.1:\(simnode.rpcPort)", "--bitcoind.rpccookiefile=\(simnode.cookiePath)",
            "--bip324.connect=127.0.0.1:1",
        ])
        defer { child.kill() }

        var report = (status: Int32(0), out: "", err: "")
        let parked = await eventually(timeout: .seconds(60), every: .milliseconds(100)) {
            report = (try? await DaemonEndToEndTests.cli(dir, "doctor")) ?? report
            return report.out.contains("FAIL driver bip324: parked")
        }
        #expect(parked, "driver never parked:\n\(report.out)")
        #expect(report.status == 1)
        let lines = report.out.split(separator: "\n").map(String.init)
        let zmq = try #require(lines.first { $0.hasPrefix("FAIL zmq:") }, "\(report.out)")
        #expect(zmq.contains("Fix: add `zmqpubhashblock=tcp://127.0.0.1:28332` and `zmqpubsequence=tcp://127.0.0.1:28332` to bitcoin.conf"), "\(zmq)")
        let driver = try #require(lines.first { $0.hasPrefix("FAIL driver bip324:") })
        #expect(driver.contains("Fix: fix the cause"), "\(driver)")
        #expect(lines.contains { $0.hasPrefix("OK   bitcoind:") }, "\(report.out)")

        simnode.kill()
        let down = try await DaemonEndToEndTests.cli(dir, "doctor")
        #expect(down.status == 1)
        let bitcoind = try #require(down.out.split(separator: "\n").first { $0.hasPrefix("FAIL bitcoind:") }, "\(down.out)")
        #expect(bitcoind.contains("Fix: start bitcoind"), "\(bitcoind)")

        kill(child.pid, SIGTERM)
        _ = await child.waitForExit(timeout: 20)
        let stopped = try await DaemonEndToEndTests.cli(dir, "doctor")
        #expect(stopped.status == 1)
        #expect(stopped.out.hasPrefix("FAIL altnetd: altnetd is not running"), "\(stopped.out)")
        #expect(stopped.out.contains("Fix: start it"), "\(stopped.out)")
    }

    /// `fetchheaders --wait`: JSON lines of progress when stdout is not a terminal, ending at
    /// the blocks caught up, then the report; a progress bar on a terminal (through script(1)).
    @Test func fetchHeadersWaitShowsProgress() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let (bobSim, aliceSim) = try await DriverAlone.startSimnodes(root: root.path, bobP2P: 0)
        defer { bobSim.kill(); aliceSim.kill() }
        let mined: [String] = try await bobSim.rpc.call("simgenerate", [30])
        let bobP2P = try #require(bobSim.p2pPort)
        // No automatic rescue: the watchdog's stale-tip threshold is far away.
        let alice = try await DriverAlone.startAltnetd(dir: root.path + "/alice", simnode: aliceSim,
                                                        drivers: ["--bip324.connect=127.0.0.1:\(bobP2P)"],
                                                        extra: ["--watchdog.staletipseconds=100000", "--watchdog.crosscheckseconds=100000"])
        defer { alice.child.kill() }
        #expect(await DriverAlone.hasPeer(alice.dir, "bip324"), "\(alice.child.stderr.suffix(2000))")

        let run = try await DaemonEndToEndTests.cli(alice.dir, "fetchheaders", "--wait")
        #expect(run.status == 0, "\(run.err)")
        let lines = run.out.split(separator: "\n").map(String.init)
        let progress = lines.filter { $0.hasPrefix("{\"elapsed\":") }
        #expect(!progress.isEmpty, "no progress lines:\n\(run.out)")
        let last = try #require(progress.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        // Absolute: bitcoind ends at 31 blocks and 31 headers (one in common, then Bob's 30). The counts since the call began are
        // 30 unless AltLogic's own first cross-check had already brought some in.
        #expect(last["height"] as? Int == 31 && last["headers_total"] as? Int == 31, "\(progress)")
        // Every line counts from the same start: height - blocks is where bitcoind was at the call.
        let starts = Set(progress.compactMap { line -> Int? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let height = o["height"] as? Int, let blocks = o["blocks"] as? Int else { return nil }
            return height - blocks
        })
        #expect(starts.count == 1 && starts.first.map { (1...31).contains($0) } == true, "\(progress)")
        let report = lines.drop { $0.hasPrefix("{\"elapsed\":") }.joined(separator: "\n")
        #expect(report.contains("\"outcome\" : \"caught-up\""), "\(report)")
        #expect((try? await aliceSim.rpc.getBestBlockHash().displayHex) == mined.last)

        // On a terminal: a bar on stderr, redrawn in place (script(1) gives altnet-cli a pty).
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
            print("fetchHeadersWaitShowsProgress: no /usr/bin/script, terminal mode not checked")
            return
        }
        let cli = try BuiltProduct.path("altnet-cli")
        let tty = try await runToEnd("/usr/bin/script", ["-qec", "\(cli) --datadir \(alice.dir) fetchheaders --wait", "/dev/null"])
        #expect(tty.status == 0, "\(tty.out)\(tty.err)")
        // Alice is at the tip now: nothing to fetch, a full bar for 0 of 0.
        #expect(tty.out.contains("\r[##############################] 0/0 blocks, 0 headers"), "\(tty.out)")
        #expect(!tty.out.contains("{\"elapsed\":"), "JSON lines on a terminal: \(tty.out)")
    }
}
