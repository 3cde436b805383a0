import Altstack
import Foundation
import Logging
import Testing
import TestSupport

/// A driver's stderr lines land in the core's logger, tagged with the driver's name.
@Suite struct StderrCaptureTests {
    @Test func driverStderrIsLoggedWithItsName() async throws {
        let collected = LogRecorder()
        let logger = collected.logger(label: "core")
        let altstack = Altstack(drivers: [try DriverFixtures.testDriverConfig("chatty", ["--kinds", "headers"])], logger: logger)
        let runner = Task { try await altstack.run() }
        defer { runner.cancel() }
        #expect(await altstack.waitUntilReady())
        // The test driver logs "init on regtest" to stderr during init.
        #expect(await eventually {
            collected.entries.contains { message, metadata in
                message.contains("init on regtest") && metadata["driver"] == "chatty"
            }
        }, "\(collected.all)")
        altstack.stop()
        _ = try? await runner.value
    }
}
