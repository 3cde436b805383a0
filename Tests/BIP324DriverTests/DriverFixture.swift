import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Logging
import TestSupport

/// The driver under test, run by a real Altstack (the test plays the core).
enum DriverFixture {
    struct Missing: Error, CustomStringConvertible { let description: String }

    /// .build/debug/altnet-driver-bip324 (or release).
    static func executable() throws -> String {
        try BuiltProduct.path("altnet-driver-bip324")
    }

    /// A config connecting to `ports` on 127.0.0.1.
    static func config(
        ports: [Int], host: String = "127.0.0.1", extra: [String: JSONValue] = [:], arguments: [String] = []
    ) throws -> DriverConfig {
        var options = extra
        options["connect"] = .array(ports.map { .string("\(host):\($0)") })
        return DriverConfig(
            name: "bip324", executable: try executable(), arguments: arguments, options: options,
            dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("altnet-bip324-test").path,
            timeouts: DriverConfig.Timeouts(heartbeatInterval: .seconds(2), heartbeatTimeout: .seconds(4), shutdownGrace: .seconds(3)))
    }

    /// Driver events seen so far (the Altstack's event stream, drained by a task).
    final class Events: @unchecked Sendable {
        // @unchecked: `seen` guarded by `lock`.
        private let lock = NSLock()
        private var seen: [DriverEvent] = []
        /// What the core logged (the driver's stderr included).
        let log = LogRecorder()
        func append(_ event: DriverEvent) { lock.withLock { seen.append(event) } }
        var all: [DriverEvent] { lock.withLock { seen } }
        /// The driver's stderr lines, as the core logged them.
        var logs: [String] { log.all }

        /// Waits until a log line contains every one of `parts`.
        func waitForLog(_ parts: [String], timeout: Duration = .seconds(30)) async -> String? {
            await log.waitFor(parts, timeout: timeout)
        }

        /// Waits until `predicate` holds for some event.
        func waitFor(timeout: Duration = .seconds(30), _ predicate: (DriverEvent) -> Bool) async -> DriverEvent? {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let hit = all.first(where: predicate) { return hit }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
    }

    /// Runs `body` with a running Altstack holding the driver; stops it afterwards.
    static func withDriver<R>(_ config: DriverConfig, _ body: (Altstack, Events) async throws -> R) async throws -> R {
        let events = Events()
        let logger = events.log.logger(label: "bip324-driver-tests")
        return try await withAltstack([config], logger: logger) { altstack in
            let drain = Task { for await event in altstack.events { events.append(event) } }
            defer { drain.cancel() }
            return try await body(altstack, events)
        }
    }
}

extension DriverFixture {
    /// The pid of this test process's altnet-driver-bip324 child (read from /proc), if one runs.
    static func driverPID() -> Int32? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let children = tasks.flatMap { task -> [String] in
            let text = (try? String(contentsOfFile: "/proc/self/task/\(task)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").map(String.init)
        }
        return children.first { pid in
            ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").contains("altnet-driver-bip324")
        }.flatMap { Int32($0) }
    }
}

extension DriverEvent {
    var connectedPeer: String? {
        if case .peerConnected(_, let peer) = self { return peer.id }
        return nil
    }

    /// The `transport` ("v1"/"v2") a peerconnected notification carried.
    var connectedTransport: PeerInfo.WireTransport? {
        if case .peerConnected(_, let peer) = self { return peer.transport }
        return nil
    }

    var disconnect: (peer: String, reason: String?)? {
        if case .peerDisconnected(_, let peer, let reason) = self { return (peer, reason) }
        return nil
    }
}

extension DriverFixture {
    /// The display hashes of the headers in a `headers` reply (at most 2,000, each with its
    /// zero transaction count).
    /// - Throws: when the payload is not a headers message.
    static func headerHashes(_ reply: DriverP2PMessage) throws -> [String] {
        var reader = ByteReader(try [UInt8](hex: reply.payload))
        let count = try reader.readCount("headers", limit: 2000, minElementSize: 81)
        return try (0..<count).map { _ in
            let hash = try BlockHeader(from: &reader).hash.displayHex
            _ = try reader.readCompactSize()
            return hash
        }
    }
}
