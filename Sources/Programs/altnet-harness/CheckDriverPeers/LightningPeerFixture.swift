import Altstack
import BitcoinPrimitives
import BOLT8
import DriverConformance
import DriverProtocol
import Foundation
import Logging
import Secp256k1

/// check-driver's fixture for a Lightning driver (one whose manifest declares `node_id`, `listen`
/// and `connect`): the harness acts as the key holder for two throwaway node keys and runs a
/// second instance of the same driver, under an Altstack, as the peer that serves headers.
///
/// ```
///  check-driver ──stdio──► driver under test ──BOLT 8, 127.0.0.1──► peer instance ◄──stdio── Altstack
///       ▲  signer.ecdh (key A)          connect=B@127.0.0.1:PORT      listen=127.0.0.1:PORT     │
///       └── answered here                                        signer.ecdh (key B), getheaders ┘
/// ```
enum LightningPeerFixture {
    /// Headers the peer answers `getheaders` with.
    static let headerCount = 20

    /// Whether the manifest describes a Lightning driver this fixture can serve.
    static func applies(to manifest: Manifest) -> Bool {
        let names = Set(manifest.options.map(\.name))
        return names.isSuperset(of: ["node_id", "listen", "connect"])
    }

    /// Starts the peer instance and returns the fixture for the driver under test.
    /// - Parameters:
    ///   - launch: the driver's command line (the peer runs the same).
    ///   - logger: receives the peer's stderr.
    /// - Returns: `node_id` and `connect` for `init`, and a core answering `signer.ecdh`.
    /// - Throws: ``Failure`` when the peer does not start or bind.
    static func start(_ launch: DriverLaunch, logger: Logger) async throws -> ConformanceFixture {
        let testedKey = PrivateKey()
        let peerKey = PrivateKey()
        let peerID = Hex.encode(peerKey.publicKey.serialized(compressed: true))
        let port = try FreeLoopbackPort.pick()
        let listen = "127.0.0.1:\(port)"
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("altnet-check-peer-\(UUID().uuidString)").path
        let config = DriverConfig(
            name: "peer", executable: launch.executable, arguments: launch.arguments,
            options: ["node_id": .string(peerID), "listen": .string(listen)], dataDir: dataDir,
            restart: RestartPolicy(parkAfter: 1))
        let altstack = Altstack(drivers: [config], logger: logger, coreHandler: NodeKeySigner(keys: ["peer": peerKey]).handler)
        let runner = Task { try await altstack.run() }
        let headers = Hex.encode(RegtestHeaders.payload(count: headerCount))
        let server = Task {
            for await event in altstack.events {
                guard case .messageReceived(_, let from, let message) = event, message.command == "getheaders" else { continue }
                let reply = SendMessageParams(peer: from, message: DriverP2PMessage(command: "headers", payload: headers))
                _ = try? await altstack.supervisor(named: "peer")?.call(Methods.sendMessage, reply)
            }
        }
        let tearDown: @Sendable () async -> Void = {
            altstack.stop()
            server.cancel()
            _ = try? await runner.value
            try? FileManager.default.removeItem(atPath: dataDir)
        }
        guard await altstack.waitUntilReady(count: 1, timeout: .seconds(20)) else {
            let why = altstack.snapshot().first?.lastError ?? "not ready within 20 s"
            await tearDown()
            throw Failure(description: "the peer instance did not start: \(why)")
        }
        return ConformanceFixture(
            initOptions: [
                "node_id": .string(Hex.encode(testedKey.publicKey.serialized(compressed: true))),
                "connect": .array([.string("\(peerID)@\(listen)")]),
            ],
            // check-driver's session asks as driver "check-driver".
            coreHandler: NodeKeySigner(keys: ["check-driver": testedKey]).handler, peerTimeout: .seconds(15),
            summary: "peer: a second instance on \(listen) serving \(headerCount) regtest headers; node keys held by the harness",
            tearDown: tearDown)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }
}
