import Foundation
import TestSupport
import Testing

/// Issue 15: secrets stay out of argv (every process the test starts is checked in
/// /proc/PID/cmdline), a password flag is refused with what to use instead, and
/// `altnet-cli restartdriver NAME` restarts a driver.
@Suite(.serialized) struct SecretsAndRestartTests {
    /// The NUL-separated command line of a running process, as `ps` shows it.
    static func cmdline(_ pid: Int32) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }

    static func drivers(_ dir: String) async throws -> [[String: Any]] {
        let list = try await DaemonEndToEndTests.cli(dir, "listdrivers")
        return try #require(try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]])
    }

    @Test func passwordFromAFileNeverInAnyCommandLineAndRestartDriver() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let simnode = try await SimnodeChild.start(datadir: root.path + "/sim")
        defer { simnode.kill() }
        // bitcoind's cookie is user __cookie__ with the secret as password: a password like any other.
        let cookie = try String(contentsOfFile: simnode.cookiePath, encoding: .utf8)
        let secret = String(try #require(cookie.split(separator: ":").last)).trimmingCharacters(in: .whitespacesAndNewlines)
        let passwordFile = root.path + "/rpcpass"
        try (secret + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)

        // Given directly, the flag is refused, naming the file flag.
        let metricsPort = try FreePort.loopback()
        let base = ["--datadir", root.path + "/refused", "--network=regtest", "--bitcoind.rpcconnect=127.0.0.1:\(simnode.rpcPort)",
                    "--bitcoind.rpcuser=__cookie__", "--control.metrics=127.0.0.1:\(metricsPort)"]
        let refused = try await runToEnd(try BuiltProduct.path("altnetd"), base + ["--bitcoind.rpcpassword=\(secret)"])
        #expect(refused.status == 1)
        #expect(refused.err.contains("--bitcoind.rpcpasswordfile=FILE"), "\(refused.err)")
        let refusedRPC = try await runToEnd(try BuiltProduct.path("altnetd"), base + ["--rpc.rpcpassword", secret, "--bitcoind.rpcpasswordfile=\(passwordFile)"])
        #expect(refusedRPC.status == 1)
        #expect(refusedRPC.err.contains("--rpc.rpcpasswordfile=FILE"), "\(refusedRPC.err)")

        // From the file: altnetd and its RPC driver reach bitcoind; no command line holds the secret.
        let dir = root.path + "/a"
        let node = try await DriverAlone.startAltnetd(
            dir: dir, simnode: simnode, drivers: ["--rpc"],
            extra: ["--bitcoind.rpccookiefile=", "--bitcoind.rpcuser=__cookie__", "--bitcoind.rpcpasswordfile=\(passwordFile)"])
        defer { node.child.kill() }
        #expect(await DaemonEndToEndTests.driverReady(dir, "rpc"), "rpc driver not ready: \(node.child.stderrTail())")
        let info = try await DaemonEndToEndTests.cli(dir, "getinfo")
        let bitcoind = try #require(try DaemonEndToEndTests.json(info.out)["bitcoind"] as? [String: Any])
        #expect(bitcoind["tip"] != nil, "altnetd could not authenticate with the password file: \(info.out)")
        let driverPid = try #require(try await Self.drivers(dir).first { $0["name"] as? String == "rpc" }?["pid"] as? Int)
        var checked: [String: String] = [:]
        for (name, pid) in [("simnode", simnode.child.pid), ("altnetd", node.child.pid), ("altnet-driver-rpc", Int32(driverPid))] {
            let line = try Self.cmdline(pid)
            checked[name] = line
            #expect(!line.contains(secret), "\(name)'s command line shows the secret: \(line)")
        }
        #expect(checked["altnetd"]?.contains("rpcpasswordfile") == true)
        print("cmdlines checked: \(checked.keys.sorted()) (secret of \(secret.count) characters in none)")

        // restartdriver: a new process, ready again; an unknown name is an error.
        let restarted = try await DaemonEndToEndTests.cli(dir, "restartdriver", "rpc")
        #expect(restarted.status == 0, "\(restarted.err)")
        #expect(try DaemonEndToEndTests.json(restarted.out)["previous_state"] as? String == "ready")
        let back = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            guard let rpc = try? await Self.drivers(dir).first(where: { $0["name"] as? String == "rpc" }) else { return false }
            return rpc["state"] as? String == "ready" && (rpc["pid"] as? Int).map { $0 != driverPid } == true
        }
        let listing = try await Self.drivers(dir)
        #expect(back, "rpc driver not restarted: \(listing)")
        if let newPid = try await Self.drivers(dir).first(where: { $0["name"] as? String == "rpc" })?["pid"] as? Int {
            #expect(!(try Self.cmdline(Int32(newPid))).contains(secret))
        }
        let unknown = try await DaemonEndToEndTests.cli(dir, "restartdriver", "nosuch")
        #expect(unknown.status == 1)
        #expect(unknown.err.contains("no driver nosuch"), "\(unknown.err)")
    }
}
