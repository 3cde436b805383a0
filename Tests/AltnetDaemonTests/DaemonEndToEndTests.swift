import AltnetControl
import AltnetDaemon
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import HTTPService
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// altnetd as a real process beside a simnode process, driven with altnet-cli and
/// sendemergencytx as real processes.
@Suite(.serialized) struct DaemonEndToEndTests {
    /// A running altnetd with its paths.
    struct Node {
        let child: SpawnedProcess
        let dir: String
        let metricsPort: Int
    }

    static func altnetdArguments(dir: String, simnode: SimnodeChild, metricsPort: Int, lightningPort: Int?) -> [String] {
        var args = [
            "--datadir", dir, "--network=regtest",
            "--bitcoind.rpcconnect=127.0.0.1:\(simnode.rpcPort)", "--bitcoind.rpccookiefile", simnode.cookiePath,
            "--bitcoind.zmqpub=\(simnode.zmqEndpoint)", "--watchdog.pollseconds=0.5", "--control.metrics=127.0.0.1:\(metricsPort)",
        ]
        if let lightningPort { args += ["--lightning.listen=127.0.0.1:\(lightningPort)"] }
        return args
    }

    static func startDaemon(dir: String, simnode: SimnodeChild, lightningListen: Int? = nil, extra: [String] = []) async throws -> Node {
        let metricsPort = try FreePort.loopback()
        let args = altnetdArguments(dir: dir, simnode: simnode, metricsPort: metricsPort,
                                    lightningPort: try lightningListen ?? FreePort.loopback()) + extra
        return try await launch(dir: dir, args, metricsPort: metricsPort)
    }

    /// Runs altnetd with `args` (stderr beside `dir`) and waits up to 20 s for its cookie and
    /// control socket in `dir`.
    /// - Throws: when it cannot start or does not come up (it is killed then).
    static func launch(dir: String, _ args: [String], metricsPort: Int) async throws -> Node {
        let exe = try BuiltProduct.path("altnetd")
        let child = try await offPool { try SpawnedProcess(exe, args, stderrPath: dir + ".altnetd.stderr") }
        let up = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            FileManager.default.fileExists(atPath: dir + "/.cookie") && FileManager.default.fileExists(atPath: dir + "/altnetd.sock")
        }
        if !up { child.kill() }
        try #require(up, "altnetd did not come up: \(child.stderr)")
        return Node(child: child, dir: dir, metricsPort: metricsPort)
    }

    static func cli(_ dir: String, _ args: String...) async throws -> (status: Int32, out: String, err: String) {
        try await runToEnd(try BuiltProduct.path("altnet-cli"), ["--datadir", dir] + args)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Starts, answers getinfo with the simnode tip and the Lightning node id, refuses a second
    /// daemon and a wrong cookie, serves metrics, and exits cleanly on SIGTERM.
    @Test func daemonLifecycle() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let simnode = try await SimnodeChild.start(datadir: root.path + "/sim")
        defer { simnode.kill() }
        let rpc = simnode.rpc
        let mined: [String] = try await rpc.call("simgenerate", [3])

        let dir = root.path + "/alt"
        let node = try await Self.startDaemon(dir: dir, simnode: simnode)
        defer { node.child.kill() }

        // getinfo through altnet-cli: network, bitcoind's tip, the Lightning node id.
        let info = try await Self.cli(dir, "getinfo")
        #expect(info.status == 0, "\(info.err)")
        let object = try Self.json(info.out)
        #expect(object["network"] as? String == "regtest")
        let tip = (object["bitcoind"] as? [String: Any])?["tip"] as? [String: Any]
        #expect(tip?["hash"] as? String == mined.last)
        #expect(tip?["height"] as? Int == 3)
        let lightning = try #require(object["lightning"] as? [String: Any])
        let nodeID = try #require(lightning["nodeid"] as? String)
        #expect(nodeID.count == 66 && (nodeID.hasPrefix("02") || nodeID.hasPrefix("03")))
        #expect((lightning["listen"] as? [String])?.count == 1)

        // The node key, the cookie and the socket are the owner's only.
        #expect(mode(dir + "/lightning/node_key") == 0o600)
        #expect(mode(dir + "/.cookie") == 0o600)
        #expect(mode(dir + "/altnetd.sock") == 0o600)
        let key = try #require(FileManager.default.contents(atPath: dir + "/lightning/node_key"))
        let derived = try PrivateKeyCheck.nodeID(of: [UInt8](key))
        #expect(derived == nodeID)

        // The Lightning driver runs and is listed.
        var driverPID: Int32?
        let ready = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            guard let list = try? await Self.cli(dir, "listdrivers"),
                  let drivers = try? JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]],
                  let lightning = drivers.first(where: { $0["name"] as? String == "lightning" }) else { return false }
            driverPID = (lightning["pid"] as? Int).map(Int32.init)
            return lightning["state"] as? String == "ready"
        }
        #expect(ready, "lightning driver not ready: \(node.child.stderr)")
        #expect(try await Self.cli(dir, "listpeers").status == 0)
        let anomalies = try Self.json(try await Self.cli(dir, "listanomalies").out)
        #expect(anomalies["open"] is [Any] && anomalies["closed"] is [Any])

        // A second altnetd on the same data directory is refused with a clear error.
        let second = try await runToEnd(try BuiltProduct.path("altnetd"),
                                        Self.altnetdArguments(dir: dir, simnode: simnode, metricsPort: try FreePort.loopback(), lightningPort: nil))
        #expect(second.status == 1)
        #expect(second.err.contains("already running"), "\(second.err)")

        // A wrong cookie and no cookie get HTTP 401; the right one works.
        let client = ControlClient(dataDir: dir, timeoutSeconds: 10)
        let wrong = CookieFile(path: dir + "/wrong.cookie")
        for authorization in [wrong.authorization, nil, "Basic " + Data("__cookie__:".utf8).base64EncodedString()] {
            let refused = try await offPool { () -> ControlError? in
                do throws(ControlError) {
                    _ = try client.call("getinfo", .array([]), authorization: authorization)
                    return nil
                } catch { return error }
            }
            #expect(refused?.kind == .unauthorized, "\(String(describing: authorization)) not refused")
        }
        let real = try CookieFile.read(from: dir + "/.cookie")
        let answered = try await offPool { try client.call("help", .array([]), authorization: real.authorization) }
        #expect(answered.stringValue?.contains("getinfo") == true)
        // Another local user has no access to the cookie or the socket (tests run as root in CI:
        // run altnet-cli as `nobody` through runuser when it exists).
        if getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") {
            // The build folder may sit under a directory `nobody` cannot enter (a CI clone in a
            // mode-0700 mktemp directory): run a copy from a world-readable place.
            let copyDir = "/tmp/altnet-cli-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: copyDir, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o755])
            defer { try? FileManager.default.removeItem(atPath: copyDir) }
            try FileManager.default.copyItem(atPath: try BuiltProduct.path("altnet-cli"), toPath: copyDir + "/altnet-cli")
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copyDir + "/altnet-cli")
            let other = try await runToEnd("/usr/sbin/runuser", ["-u", "nobody", "--", copyDir + "/altnet-cli", "--datadir", dir, "getinfo"])
            #expect(other.status == 1)
            #expect(other.err.contains("permission denied"), "\(other.err)")
            #expect(other.out.isEmpty)
        }
        let unknown = try await Self.cli(dir, "nosuchmethod")
        #expect(unknown.status == 1 && unknown.err.contains("Method not found"))

        // Prometheus metrics on the configured port.
        let metrics = try await httpGet(port: node.metricsPort, path: "/metrics")
        for name in ["altnet_anomalies_open", "altnet_driver_ready", "altnet_driver_starts", "altnet_peers"] {
            #expect(metrics.contains(name), "\(name) missing from /metrics")
        }
        #expect(metrics.contains("altnet_driver_ready{driver=\"lightning\"} 1"), "\(metrics)")

        // SIGTERM: clean exit, socket and cookie removed, the driver gone.
        kill(node.child.pid, SIGTERM)
        let status = await node.child.waitForExit(timeout: 20)
        #expect(status == 0, "altnetd exit \(String(describing: status)): \(node.child.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.cookie"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/altnetd.sock"))
        if let driverPID { #expect(!isAlive(driverPID), "driver \(driverPID) survived altnetd") }
        let after = try await Self.cli(dir, "getinfo")
        #expect(after.status == 1)
        #expect(after.err.contains("altnetd is not running"), "\(after.err)")
    }

    /// sendemergencytx: a malformed argument is refused before altnetd is asked; a real
    /// transaction reaches bitcoind's (simnode's) mempool, with one result per transport.
    @Test func sendEmergencyTx() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let simnode = try await SimnodeChild.start(datadir: root.path + "/sim")
        defer { simnode.kill() }
        let rpc = simnode.rpc
        let dir = root.path + "/alt"
        let exe = try BuiltProduct.path("sendemergencytx")

        let notRunning = try await runToEnd(exe, ["--datadir", dir, Self.sampleTx])
        #expect(notRunning.status == 1 && notRunning.err.contains("altnetd is not running"), "\(notRunning.err)")

        let node = try await Self.startDaemon(dir: dir, simnode: simnode)
        defer { node.child.kill() }
        let badHex = try await runToEnd(exe, ["--datadir", dir, "nothex"])
        #expect(badHex.status == 2 && badHex.err.contains("not hex"), "\(badHex.err)")
        let notTx = try await runToEnd(exe, ["--datadir", dir, "00112233"])
        #expect(notTx.status == 2 && notTx.err.contains("not a transaction"), "\(notTx.err)")

        #expect(await Self.driverReady(dir, "lightning"), "lightning driver not ready: \(node.child.stderr)")
        let sent = try await runToEnd(exe, ["--datadir", dir, "-"], stdin: Self.sampleTx + "\n")
        #expect(sent.status == 0, "\(sent.err)")
        let report = try Self.json(sent.out)
        let transports = try #require(report["transports"] as? [[String: Any]])
        let bitcoind = transports.first { $0["transport"] as? String == "bitcoind" }
        #expect(bitcoind?["accepted"] as? Bool == true)
        // The Lightning driver carries transactions; with no peer it accepts nothing, and says so.
        #expect(transports.contains { $0["transport"] as? String == "lightning" })
        let txid = try #require(report["txid"] as? String)
        let mempool = try await rpc.getRawMempool()
        #expect(mempool.map(\.displayHex).contains(txid))
    }

    /// A looser node key is refused at start, like ssh refuses a private key.
    @Test func looseNodeKeyRefused() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let simnode = try await SimnodeChild.start(datadir: root.path + "/sim")
        defer { simnode.kill() }
        let dir = root.path + "/alt"
        try FileManager.default.createDirectory(atPath: dir + "/lightning", withIntermediateDirectories: true)
        let keyPath = dir + "/lightning/node_key"
        _ = FileManager.default.createFile(atPath: keyPath, contents: Data(repeating: 7, count: 32),
                                       attributes: [.posixPermissions: 0o644])
        #expect(mode(keyPath) == 0o644)
        let result = try await runToEnd(try BuiltProduct.path("altnetd"),
                                        Self.altnetdArguments(dir: dir, simnode: simnode, metricsPort: try FreePort.loopback(),
                                                              lightningPort: try FreePort.loopback()))
        #expect(result.status == 1)
        #expect(result.err.contains("too open"), "\(result.err)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.cookie"))
    }

    /// Waits until listdrivers shows `name` ready.
    static func driverReady(_ dir: String, _ name: String) async -> Bool {
        await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            guard let list = try? await cli(dir, "listdrivers"),
                  let drivers = try? JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]] else { return false }
            return drivers.contains { $0["name"] as? String == name && $0["state"] as? String == "ready" }
        }
    }

    /// A minimal well-formed transaction (one input, one OP_TRUE output).
    static let sampleTx = "02000000" + "01" + String(repeating: "ab", count: 32) + "00000000" + "00" + "fdffffff"
        + "01" + "e803000000000000" + "01" + "51" + "00000000"
}
