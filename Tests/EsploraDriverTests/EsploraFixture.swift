import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSON
import Logging
import Testing
import TestSupport

/// The real `altnet-driver-esplora` run by a real Altstack (the test plays the core), and
/// integration/esplora_server.py on loopback.
enum EsploraFixture {
    static let mainnetChain = ChainInfo(
        genesisHash: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", magic: "f9beb4d9", defaultPort: 8333)

    /// integration/esplora_server.py with `arguments`; its base URL once it listens.
    static func server(_ arguments: [String]) async throws -> (JSONLinesChild, String) {
        let child = try JSONLinesChild.python("esplora_server.py", arguments)
        do {
            let listening = try await child.waitFor(timeout: .seconds(20)) { $0["event"] as? String == "listening" }
            let port = try #require(listening["port"] as? Int)
            return (child, "http://127.0.0.1:\(port)")
        } catch {
            child.kill()
            throw error
        }
    }

    /// A server of the real mainnet headers 822528 ... 830592, lying at `lieHeight` if given.
    static func mainnetServer(lieHeight: Int? = nil) async throws -> (JSONLinesChild, String) {
        let file = SharedData.root.appendingPathComponent("data/mainnet/headers-822528-830592.bin").path
        return try await server(["--headers", file, "--first-height", "822528"] + (lieHeight.map { ["--lie-height", "\($0)"] } ?? []))
    }

    static func config(urls: [String], network: String = "main", extra: [String: JSONValue] = [:]) throws -> DriverConfig {
        var options = extra
        options["url"] = .array(urls.map { .string($0) })
        return DriverConfig(
            name: "esplora", executable: try BuiltProduct.path("altnet-driver-esplora"),
            network: network, chain: network == "main" ? mainnetChain : .regtest, options: options,
            dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("altnet-esplora-test").path,
            timeouts: DriverConfig.Timeouts(heartbeatInterval: .seconds(2), heartbeatTimeout: .seconds(6), shutdownGrace: .seconds(3)))
    }

    /// Runs `body` with the driver up under an Altstack, and what the core logged (the driver's
    /// stderr); stops it afterwards.
    static func withDriver<R>(_ config: DriverConfig, _ body: (DriverSupervisor, LogRecorder) async throws -> R) async throws -> R {
        let log = LogRecorder()
        return try await withAltstack([config], logger: log.logger(label: "esplora-tests")) { altstack in
            let drain = Task { for await _ in altstack.events {} }
            defer { drain.cancel() }
            #expect(await altstack.waitUntilReady(timeout: .seconds(20)), "the driver did not come up: \(log.all.suffix(20))")
            return try await body(try #require(altstack.supervisor(named: config.name)), log)
        }
    }

    /// A `getheaders` sent to one source.
    static func getHeaders(
        _ supervisor: DriverSupervisor, peer: String, locator: [BlockHash], timeoutMs: Int = 25_000
    ) async throws(DriverProtocolError) -> [BlockHeader] {
        let payload = P2PMessage.getheaders(GetHeadersMessage(version: 70016, locator: locator)).encodePayload()
        let params = SendMessageParams(
            peer: peer, message: DriverP2PMessage(command: "getheaders", payload: Hex.encode(payload)),
            expect: ["headers"], timeoutMs: timeoutMs)
        let result = try await supervisor.call(Methods.sendMessage, params, timeout: .milliseconds(timeoutMs + 5000))
            .result(as: SendMessageResult.self)
        guard result.peer == peer, let reply = result.replies.first, reply.command == "headers",
              let bytes = try? [UInt8](hex: reply.payload),
              case .headers(let headers)? = try? P2PMessage.decode(command: .headers, payload: bytes)
        else { throw DriverProtocolError(.internalError, "not a headers answer from \(peer): \(result)") }
        return headers
    }

    /// `esplora.listsources`.
    static func sources(_ supervisor: DriverSupervisor) async throws -> [String: [String: Any]] {
        let frame = try await supervisor.call("esplora.listsources", EmptyObject())
        let object = try JSONSerialization.jsonObject(with: Data(frame.bytes)) as? [String: Any]
        let list = (object?["result"] as? [String: Any])?["sources"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as? String ?? "", $0) })
    }
}
