import Altstack
import ArgumentParser
import DriverConformance
import Foundation
import Logging

/// `altnet-harness check-driver EXE [ARGS...]`: the driver conformance suite.
struct CheckDriver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-driver",
        abstract: "Run the driver conformance suite against a driver executable, in any language.",
        discussion: """
            Exits 0 only when every check passes. The driver's stderr is shown with --verbose. \
            A Lightning driver (manifest options node_id, listen and connect) gets a peer for \
            headers-exchange: the harness runs a second instance of the same driver that serves \
            regtest headers, and holds both throwaway node keys, answering signer.ecdh. \
            schema-valid checks every line the driver wrote and every line the suite sent \
            against the JSON Schema of its message (docs/schemas; --schemas or $ALTNET_SCHEMAS \
            to point elsewhere) and names the path of each violation.
            """)

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Show the driver's stderr lines.")
    var verbose = false

    @Flag(help: "Run no peer instance for a Lightning driver (headers-exchange then fails).")
    var noPeer = false

    @Option(help: ArgumentHelp("The driver protocol's JSON Schemas (default: docs/schemas of the checkout, or share/altnet/schemas of the installation).", valueName: "dir"))
    var schemas: String?

    @Argument(help: "The driver executable.")
    var executable: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments passed to the driver.")
    var arguments: [String] = []

    func run() async throws {
        let path = try CheckDriver.resolve(executable)
        var logger = Logger(label: "check-driver")
        logger.logLevel = verbose ? .info : .critical
        let launch = DriverLaunch(executable: path, arguments: arguments)
        var peerLogger = logger
        peerLogger[metadataKey: "peer"] = "second instance"
        let fixture = noPeer ? nil : Self.peers(launch, logger: peerLogger)
        var options = DriverConformance.Options()
        options.schemaDirectory = schemas.map { URL(fileURLWithPath: $0) }
        let report = await DriverConformance.run(launch, logger: logger, options: options, fixture: fixture)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            var data = try encoder.encode(CheckDriverJSON(report: report))
            data.append(0x0A)
            FileHandle.standardOutput.write(data)
        } else {
            FileHandle.standardOutput.write(Data((report.text + "\n").utf8))
        }
        if !report.passed { throw ExitCode(1) }
    }

    /// The peers check-driver can provide: a second instance for a Lightning driver.
    static func peers(_ launch: DriverLaunch, logger: Logger) -> ConformanceFixtureProvider {
        { manifest in
            guard LightningPeerFixture.applies(to: manifest) else { return nil }
            return try await LightningPeerFixture.start(launch, logger: logger)
        }
    }

    /// An absolute path: relative paths against the working directory, bare names through PATH.
    static func resolve(_ executable: String) throws -> String {
        let manager = FileManager.default
        if executable.contains("/") {
            let url = URL(fileURLWithPath: executable, relativeTo: URL(fileURLWithPath: manager.currentDirectoryPath))
            guard manager.isExecutableFile(atPath: url.path) else {
                throw ValidationError("\(executable) is not an executable file")
            }
            return url.standardizedFileURL.path
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if manager.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ValidationError("\(executable) not found in PATH")
    }
}

/// The `--json` shape: the report plus the verdict.
private struct CheckDriverJSON: Encodable {
    let command: [String]
    let passed: Bool
    let findings: [ConformanceFinding]

    init(report: ConformanceReport) {
        command = report.command
        passed = report.passed
        findings = report.findings
    }
}
