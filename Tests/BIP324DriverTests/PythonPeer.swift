import Foundation
import TestSupport

/// integration/bip324_driver_peer.py (verystable's BIP324 code) as a child process: a remote v2
/// node on 127.0.0.1. Its JSON event lines are collected on a reader thread.
final class PythonPeer: @unchecked Sendable {
    // @unchecked: `lines` and `ended` are guarded by `lock`; `process` is only started and killed.
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let process = Process()
    private let lock = NSLock()
    private var lines: [[String: Any]] = []
    private var ended = false
    private(set) var port = 0
    /// The hash of the witness block the peer serves (serve and badblock modes).
    private(set) var blockHash: String?
    /// Every block the peer serves (reverse mode: two).
    private(set) var blockHashes: [String] = []

    /// Starts the peer in `mode` (listening on `host`) and waits for its port (listening modes) or its connection
    /// (`initiator PORT`).
    /// - Throws: ``Failure`` when python3 or verystable is missing or the peer does not start.
    init(mode: String, _ extra: [String] = [], host: String = "127.0.0.1") async throws {
        let script = SharedData.packageRoot.appendingPathComponent("integration/bip324_driver_peer.py").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", script, mode] + extra
        var environment = ProcessInfo.processInfo.environment
        environment["BIP324_PEER_HOST"] = host
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let handle = out.fileHandleForReading
        let thread = Thread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = pending[pending.startIndex..<newline]
                    pending = Data(pending[(newline + 1)...])
                    if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] {
                        lock.withLock { lines.append(object) }
                    }
                }
            }
            lock.withLock { ended = true }
        }
        thread.start()
        if mode == "initiator" {
            try await waitFor(timeout: .seconds(20)) { $0["event"] as? String == "connected" || $0["error"] != nil }
            return
        }
        let first = try await waitFor(timeout: .seconds(20)) { $0["port"] != nil || $0["error"] != nil }
        guard let port = first["port"] as? Int else {
            kill()
            throw Failure(description: "python peer did not start: \(first["error"] ?? "no port")")
        }
        self.port = port
        self.blockHash = first["block"] as? String
        self.blockHashes = first["blocks"] as? [String] ?? []
    }

    /// Kills the child (SIGKILL: test children inherit a blocked SIGTERM).
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// Events so far.
    var events: [[String: Any]] { lock.withLock { lines } }

    /// Events named `name` so far.
    func events(_ name: String) -> [[String: Any]] { events.filter { $0["event"] as? String == name } }

    /// Waits for the first event matching `predicate`.
    /// - Throws: ``Failure`` on timeout or when the peer exits first.
    @discardableResult
    func waitFor(timeout: Duration = .seconds(30), _ predicate: @escaping @Sendable ([String: Any]) -> Bool) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (found, over): ([String: Any]?, Bool) = lock.withLock { (lines.first(where: predicate), ended) }
            if let found { return found }
            if over { throw Failure(description: "python peer exited; events: \(events)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "timed out; python peer events: \(events)")
    }

    /// Waits for an event named `name`.
    @discardableResult
    func waitFor(event name: String, timeout: Duration = .seconds(30)) async throws -> [String: Any] {
        try await waitFor(timeout: timeout) { $0["event"] as? String == name }
    }
}
