import AltnetDaemon
import Foundation
import Secp256k1
import Testing
import TestSupport

/// The node key file and the data-directory lock, in process.
@Suite struct DataDirTests {
    @Test func nodeKeyCreatedOwnerOnlyAndStable() throws {
        let dir = try TempDir.short()
        defer { dir.cleanup() }
        let path = dir.path + "/node_key"
        let first = try NodeKeyFile.loadOrCreate(at: path)
        #expect(mode(path) == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).count == 32)
        let again = try NodeKeyFile.loadOrCreate(at: path)
        #expect(first.rawRepresentation == again.rawRepresentation)
    }

    @Test func looserModesRefused() throws {
        let dir = try TempDir.short()
        defer { dir.cleanup() }
        let path = dir.path + "/node_key"
        _ = try NodeKeyFile.loadOrCreate(at: path)
        for loose in [0o640, 0o604, 0o660, 0o666] {
            chmod(path, mode_t(loose))
            #expect(throws: DaemonError.self) { try NodeKeyFile.loadOrCreate(at: path) }
        }
        chmod(path, 0o400)
        #expect((try? NodeKeyFile.loadOrCreate(at: path)) != nil)
    }

    @Test func wrongSizeRefused() throws {
        let dir = try TempDir.short()
        defer { dir.cleanup() }
        let path = dir.path + "/node_key"
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 1, count: 31), attributes: [.posixPermissions: 0o600])
        #expect(throws: DaemonError.self) { try NodeKeyFile.loadOrCreate(at: path) }
    }

    @Test func secondLockRefused() throws {
        let dir = try TempDir.short()
        defer { dir.cleanup() }
        var first: DataDirLock? = try DataDirLock(dataDir: dir.path)
        do {
            _ = try DataDirLock(dataDir: dir.path)
            Issue.record("a second lock was granted")
        } catch {
            #expect(error.kind == .alreadyRunning)
            #expect(error.message.contains("already running"))
        }
        #expect(first != nil)
        first = nil
        #expect((try? DataDirLock(dataDir: dir.path)) != nil)
    }
}

/// Derives a node id from raw key bytes (the test's own check of what altnetd reports).
enum PrivateKeyCheck {
    static func nodeID(of bytes: [UInt8]) throws -> String {
        try PrivateKey(rawRepresentation: bytes).publicKey.serialized(compressed: true).map { String(format: "%02x", $0) }.joined()
    }
}
