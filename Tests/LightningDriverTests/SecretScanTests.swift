import BitcoinPrimitives
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// The scanner used on the driver processes finds a secret where it is (a positive control).
@Suite("Secret scan control") struct SecretScanTests {
    @Test("a secret in an open file of a process is found")
    func findsSecretInOpenFile() async throws {
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("altnet-scan-\(UUID().uuidString)").path
        try Data(Array("key=\(Hex.encode(secret))\n".utf8)).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        let result = try await offPool { try SecretScan.scan(pid: getpid(), secret: secret) }
        #expect(result.found.contains { $0.hasSuffix(path) }, "found in \(result.found)")
        let other = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let clean = try await offPool { try SecretScan.scan(pid: getpid(), secret: other) }
        #expect(!clean.found.contains { $0.hasSuffix(path) })
    }

    @Test("a secret in a process's memory is found")
    func findsSecretInMemory() async throws {
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let result = try await offPool { try SecretScan.scanMemory(pid: getpid(), secret: secret) }
        #expect(!result.found.isEmpty, "scanned \(result.bytes) bytes")
        withExtendedLifetime(secret) {}
    }
}
