import Altstack
import Foundation
import Logging
import Testing
import TestSupport

/// A driver's stderr lines land in the core's logger, tagged with the driver's name.
@Suite struct StderrCaptureTests {
    final class Collected: @unchecked Sendable {
        // @unchecked: guarded by `lock`.
        private let lock = NSLock()
        private var entries: [(String, Logger.Metadata)] = []
        func add(_ message: String, _ metadata: Logger.Metadata) { lock.withLock { entries.append((message, metadata)) } }
        var all: [(String, Logger.Metadata)] { lock.withLock { entries } }
    }

    struct CollectingHandler: LogHandler {
        let collected: Collected
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            collected.add("\(event.message)", metadata.merging(event.metadata ?? [:]) { _, new in new })
        }
    }

    @Test func driverStderrIsLoggedWithItsName() async throws {
        let collected = Collected()
        let logger = Logger(label: "core") { _ in CollectingHandler(collected: collected) }
        let altstack = Altstack(drivers: [try Fixtures.testDriverConfig("chatty", ["--kinds", "headers"])], logger: logger)
        let runner = Task { try await altstack.run() }
        defer { runner.cancel() }
        #expect(await altstack.waitUntilReady())
        // The test driver logs "init on regtest" to stderr during init.
        #expect(await eventually {
            collected.all.contains { message, metadata in
                message.contains("init on regtest") && metadata["driver"] == "chatty"
            }
        }, "\(collected.all.map(\.0))")
        altstack.stop()
        _ = try? await runner.value
    }
}
