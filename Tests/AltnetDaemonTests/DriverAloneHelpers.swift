import BitcoindRPC
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for end-to-end tests where altnetd runs only the drivers a test names (no Lightning
/// listener unless asked), and for reading altnet-cli's JSON.
enum DriverAlone {
    /// Bob's and Alice's simnodes in `root`/bsim and `root`/asim.
    /// - Parameter bobP2P: Bob's P2P port (0: any free one), nil for none.
    /// - Returns: both, their RPC answering; the caller kills them (`defer`).
    static func startSimnodes(root: String, bobP2P: Int? = nil) async throws -> (bob: SimnodeChild, alice: SimnodeChild) {
        let bob = try await SimnodeChild.start(datadir: root + "/bsim", .init(p2pPort: bobP2P))
        let alice: SimnodeChild
        do {
            alice = try await SimnodeChild.start(datadir: root + "/asim")
        } catch {
            bob.kill()
            throw error
        }
        // One recent block in common: a node at regtest genesis is in initial block download
        // (as Core is, its tip being years old), and altnet leaves a node in IBD alone.
        do {
            try await bob.mine(1)
            try await alice.copyBlocks(from: bob)
        } catch {
            bob.kill()
            alice.kill()
            throw error
        }
        return (bob, alice)
    }

    /// Starts altnetd beside `simnode` with only the driver flags in `drivers`.
    /// - Parameters:
    ///   - dir: the data directory (may hold a previous run's files: the stale cookie is removed
    ///     first, so "up" means this process wrote a new one).
    ///   - simnode: the bitcoind double it watches.
    ///   - drivers: driver flags, e.g. `["--bip324.connect=127.0.0.1:N"]`.
    ///   - extra: more flags.
    static func startAltnetd(dir: String, simnode: SimnodeChild, drivers: [String], extra: [String] = []) async throws
        -> DaemonEndToEndTests.Node
    {
        unlink(dir + "/.cookie")
        let metricsPort = try FreePort.loopback()
        let args = DaemonEndToEndTests.altnetdArguments(dir: dir, simnode: simnode, metricsPort: metricsPort, lightningPort: nil)
            + ["--control.emergencyretryseconds=1"] + drivers + extra
        return try await DaemonEndToEndTests.launch(dir: dir, args, metricsPort: metricsPort)
    }

    /// A JSON array from altnet-cli's output, or nil.
    static func array(_ text: String) -> [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]]
    }

    /// Waits until `driver` has at least one peer on the node in `dir`.
    static func hasPeer(_ dir: String, _ driver: String, timeout: Duration = .seconds(30)) async -> Bool {
        await eventually(timeout: timeout, every: .milliseconds(100)) {
            guard let peers = try? await DaemonEndToEndTests.cli(dir, "listpeers"), let list = array(peers.out) else { return false }
            return list.contains { $0["driver"] as? String == driver }
        }
    }

    /// The pid of a driver process, from listdrivers.
    static func driverPID(_ dir: String, _ driver: String) async throws -> Int32? {
        let list = array(try await DaemonEndToEndTests.cli(dir, "listdrivers").out) ?? []
        return (list.first { $0["name"] as? String == driver }?["pid"] as? Int).map(Int32.init)
    }

    /// Whether `txid` is in the mempool of the node behind `rpc`.
    static func inMempool(_ rpc: BitcoindRPCClient, _ txid: String) async -> Bool {
        (try? await rpc.getRawMempool().map(\.displayHex).contains(txid)) == true
    }

    /// Sends SIGKILL to `pid` when it is still alive.
    static func killIfAlive(_ pid: Int32?) {
        guard let pid, isAlive(pid) else { return }
        kill(pid, SIGKILL)
    }
}
