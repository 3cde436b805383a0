import BitcoindRPC
import Foundation

/// A network of simnodes on loopback for discovery tests (issue #19): node `i` listens for P2P
/// on `127.(10+i).1.1` (its own /16 network group), all on one port (as DNS seeds give addresses
/// without ports), started with `--simaddrloopback` so their address books take loopback
/// addresses, and each told about the next `peersEach` nodes (in a ring; by default all the
/// others) with addpeeraddress. A node answers getaddr with 23% of its book (Core's share): 2 of
/// 11 in a network of 12.
/// RPC stays on 127.0.0.1. Stop it with ``kill()`` (in `defer`); every simnode is killed and
/// reaped, and their temporary data directories removed.
public final class LoopbackNetwork: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The nodes, in order of their addresses.
    public let nodes: [SimnodeChild]
    /// Their P2P addresses ("127.10.1.1", ...), in the same order.
    public let hosts: [String]
    /// The P2P port every node listens on.
    public let p2pPort: Int

    private init(nodes: [SimnodeChild], hosts: [String], p2pPort: Int) {
        self.nodes = nodes
        self.hosts = hosts
        self.p2pPort = p2pPort
    }

    /// The P2P address of node `i` for a given count: `127.(10+i).1.1`.
    public static func host(_ i: Int) -> String { "127.\(10 + i).1.1" }

    /// Starts the network.
    /// - Parameters:
    ///   - count: how many simnodes (at most 240).
    ///   - peersEach: how many of the following nodes each one is told about (nil: all others).
    ///   - extra: more `altnet-harness simnode` arguments for every node.
    ///   - alsoFreeOn: more addresses the shared port must be free on (a test's own extra node).
    /// - Returns: the running network, its books filled.
    /// - Throws: ``Failure`` or ``SimnodeChild/StartFailure`` (nothing is left running then).
    public static func start(count: Int = 12, peersEach: Int? = nil, extra: [String] = [], alsoFreeOn: [String] = []) async throws -> LoopbackNetwork {
        guard (1...240).contains(count) else { throw Failure(description: "count must be 1 to 240") }
        let peersEach = peersEach ?? count - 1
        var lastError: (any Error)?
        for _ in 0..<3 {  // checked on every address; another process may still take it: pick again
            let port = try FreePort.loopback(onEvery: (0..<count).map(host) + alsoFreeOn)
            do {
                return try await start(count: count, port: port, peersEach: peersEach, extra: extra)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? Failure(description: "could not start the loopback network")
    }

    private static func start(count: Int, port: Int, peersEach: Int, extra: [String]) async throws -> LoopbackNetwork {
        let hosts = (0..<count).map(host)
        let started = await withTaskGroup(of: (Int, Result<SimnodeChild, any Error>).self) { group in
            for (i, host) in hosts.enumerated() {
                group.addTask {
                    let options = SimnodeChild.Options(
                        zmq: false, p2pPort: port, extra: ["--p2pbind", host, "--simaddrloopback"] + extra)
                    do {
                        return (i, .success(try await SimnodeChild.start(temporary: "loopnet\(i)", options)))
                    } catch {
                        return (i, .failure(error))
                    }
                }
            }
            var results: [(Int, Result<SimnodeChild, any Error>)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let nodes = started.compactMap { try? $0.get() }
        if nodes.count != count {
            nodes.forEach { $0.kill() }
            let failure = started.compactMap { r -> (any Error)? in if case .failure(let e) = r { e } else { nil } }.first
            throw failure ?? Failure(description: "a simnode did not start")
        }
        let network = LoopbackNetwork(nodes: nodes, hosts: hosts, p2pPort: port)
        do {
            for (i, node) in nodes.enumerated() {
                for step in 1...max(1, min(peersEach, count - 1)) where count > 1 {
                    let peer = hosts[(i + step) % count]
                    guard try await node.rpc.addPeerAddress(peer, port: port) else {
                        throw Failure(description: "simnode \(hosts[i]) refused \(peer):\(port) (is --simaddrloopback on?)")
                    }
                }
            }
        } catch {
            network.kill()
            throw error
        }
        return network
    }

    /// "HOST:PORT" of node `i`'s P2P listener.
    public func endpoint(_ i: Int) -> String { "\(hosts[i]):\(p2pPort)" }

    /// Kills every node (SIGKILL, reaped) and removes their data directories. Safe to call twice.
    public func kill() { nodes.forEach { $0.kill() } }
}
