import Altstack
import DriverConformance
import DriverProtocol
import Foundation
import JSON
import Logging
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Paths, configs and payloads for the Lightning driver tests.
enum LightningFixtures {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// The driver built by `swift build`.
    static func driver() throws -> String {
        try BuiltProduct.path("altnet-driver-lightning")
    }

    /// A driver config with quick restarts.
    static func config(_ name: String, options: [String: JSONValue]) throws -> DriverConfig {
        DriverConfig(
            name: name, executable: try driver(), options: options,
            dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("altnet-test-\(name)").path,
            timeouts: DriverConfig.Timeouts(heartbeatInterval: .seconds(2), heartbeatTimeout: .seconds(10), shutdownGrace: .seconds(2)),
            restart: RestartPolicy(baseDelay: .milliseconds(100), stableUptime: .milliseconds(100), parkAfter: 1000))
    }

    /// A TCP port free on 127.0.0.1 now (the OS picks it; the socket is closed before use).
    static func freePort() throws -> Int {
        try FreePort.loopback()
    }

    /// A `headers` payload of `count` real mainnet headers (shared data): compact size, then each
    /// 80-byte header with a zero transaction count.
    static func headersPayload(count: Int) throws -> [UInt8] {
        let raw = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        guard raw.count >= count * 80, count < 0x10000 else { throw Missing(description: "not enough headers") }
        var payload: [UInt8] = count < 0xfd ? [UInt8(count)] : [0xfd, UInt8(count & 0xff), UInt8(count >> 8)]
        for i in 0..<count {
            payload.append(contentsOf: raw[(i * 80)..<(i * 80 + 80)])
            payload.append(0)
        }
        return payload
    }

    /// The `getheaders` check-driver sends (regtest genesis locator).
    static let getHeadersPayload = DriverConformance.regtestGetHeadersPayload

    /// Distinct opaque `tx` payloads (the driver carries bytes; it does not parse transactions).
    static func fakeTx(_ i: Int) -> [UInt8] {
        [0x02, 0x00, 0x00, 0x00] + withUnsafeBytes(of: UInt32(i).littleEndian, Array.init) + [UInt8](repeating: UInt8(i % 251), count: 60 + i % 200)
    }

    /// A quiet logger.
    static var logger: Logger { quietLogger("lightning-driver-tests") }
}
