import Altstack
import Logging

/// Runs `body` with a running ``Altstack`` over `configs` (the test plays the core), and stops it
/// afterwards, also when `body` throws.
/// - Parameters:
///   - configs: the drivers to supervise.
///   - coreHandler: answers the drivers' requests to the core (`signer.ecdh`, ...).
///   - logger: where the Altstack and the drivers' stderr go (default: quiet).
///   - body: the test.
/// - Returns: what `body` returns.
/// - Throws: what `body` throws.
public func withAltstack<R>(
    _ configs: [DriverConfig], coreHandler: @escaping CoreRequestHandler = noCoreRequests,
    logger: Logger = quietLogger("altstack-tests"),
    _ body: (Altstack) async throws -> R
) async throws -> R {
    let altstack = Altstack(drivers: configs, logger: logger, coreHandler: coreHandler)
    let runner = Task { try await altstack.run() }
    defer {
        altstack.stop()
        runner.cancel()
    }
    let result = try await body(altstack)
    altstack.stop()
    _ = try? await runner.value
    return result
}

/// A logger that prints only critical messages (lower its level to see driver stderr while
/// debugging).
public func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    return logger
}
