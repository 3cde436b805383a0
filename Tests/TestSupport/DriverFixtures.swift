import Altstack
import DriverConformance
import DriverProtocol
import Foundation
import Logging
import TestSupport

/// The test driver, python3 and package files, shared by the Altstack and DriverConformance
/// process tests.
public enum DriverFixtures {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// The test driver built by `swift build` (Tests/Drivers/TestDriver).
    public static func testDriver() throws -> String {
        try BuiltProduct.path("altnet-driver-test")
    }

    /// python3 on PATH.
    public static func python() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Missing(description: "python3 not found on PATH")
    }

    /// A file in the package (drivers/, integration/, docs/).
    public static func packageFile(_ relative: String) -> String {
        SharedData.packageRoot.appendingPathComponent(relative).path
    }

    /// Runs `altnet-harness` (as `check-driver` users do) from the package root.
    /// - Returns: its exit status and stdout (stderr is dropped).
    public static func harness(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let (status, out, _) = try await runToEnd(try BuiltProduct.path("altnet-harness"), arguments, directory: SharedData.packageRoot)
        return (status, out)
    }

    /// A config for the test driver.
    public static func testDriverConfig(
        _ name: String, _ arguments: [String] = [], priority: Int = 0,
        timeouts: DriverConfig.Timeouts = DriverConfig.Timeouts(heartbeatInterval: .seconds(1), heartbeatTimeout: .seconds(2), shutdownGrace: .seconds(2)),
        restart: RestartPolicy = RestartPolicy(baseDelay: .milliseconds(100), stableUptime: .milliseconds(100), parkAfter: 1000)
    ) throws -> DriverConfig {
        DriverConfig(
            name: name, executable: try testDriver(), arguments: ["--name", name] + arguments,
            dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("altnet-test-\(name)").path,
            priority: priority, timeouts: timeouts, restart: restart)
    }

    /// A quiet logger (raise the level to see driver stderr while debugging).
    public static var logger: Logger { quietLogger("driver-tests") }

    /// A `getheaders` from regtest genesis (the one check-driver sends).
    public static let getHeaders = DriverP2PMessage(command: "getheaders", payload: DriverConformance.regtestGetHeadersPayload)
}
