import Foundation
import TestSupport

/// integration/bip324_driver_peer.py (verystable's BIP324 code) as a child process: a remote v2
/// node on 127.0.0.1, reporting what it sees as JSON event lines.
final class BIP324DriverPeer: Sendable {
    private let child: JSONLinesChild
    let port: Int
    /// The hash of the witness block the peer serves (serve and badblock modes).
    let blockHash: String?
    /// Every block the peer serves (reverse mode: two).
    let blockHashes: [String]

    /// Starts the peer in `mode` (listening on `host`) and waits for its port (listening modes)
    /// or its connection (`initiator PORT`, connecting from `host`).
    /// - Throws: ``JSONLinesChild/Failure`` when python3 or verystable is missing or the peer
    ///   does not start.
    init(mode: String, _ extra: [String] = [], host: String = "127.0.0.1", environment: [String: String] = [:]) async throws {
        child = try JSONLinesChild.python(
            "bip324_driver_peer.py", [mode] + extra, environment: environment.merging(["BIP324_PEER_HOST": host]) { $1 }, keepLog: false)
        if mode == "initiator" {
            try await child.waitFor(timeout: .seconds(20)) { $0["event"] as? String == "connected" || $0["error"] != nil }
            (port, blockHash, blockHashes) = (0, nil, [])
            return
        }
        let first = try await child.waitFor(timeout: .seconds(20)) { $0["port"] != nil || $0["error"] != nil }
        guard let port = first["port"] as? Int else {
            child.kill()
            throw JSONLinesChild.Failure(description: "python peer did not start: \(first["error"] ?? "no port")")
        }
        self.port = port
        blockHash = first["block"] as? String
        blockHashes = first["blocks"] as? [String] ?? []
    }

    /// Kills the child (SIGKILL: test children inherit a blocked SIGTERM).
    func kill() { child.kill() }

    /// Events so far.
    var events: [[String: Any]] { child.events }

    /// Events named `name` so far.
    func events(_ name: String) -> [[String: Any]] { child.events(name) }

    /// Waits for the first event matching `predicate`.
    /// - Throws: ``JSONLinesChild/Failure`` on timeout or when the peer exits first.
    @discardableResult
    func waitFor(timeout: Duration = .seconds(30), _ predicate: @escaping @Sendable ([String: Any]) -> Bool) async throws -> [String: Any] {
        try await child.waitFor(timeout: timeout, predicate)
    }

    /// Waits for an event named `name`.
    @discardableResult
    func waitFor(event name: String, timeout: Duration = .seconds(30)) async throws -> [String: Any] {
        try await child.waitFor(timeout: timeout) { $0["event"] as? String == name }
    }
}
