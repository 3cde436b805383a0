import Altstack
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// Binary framing negotiated through real driver subprocesses (docs/driver-protocol.md, "Binary
/// framing"): picked only when the core offers it and the driver declares it, and the same
/// 2,000-header message round trips either way.
@Suite(.serialized) struct FramingTests {
    static let payload: [UInt8] = (0..<(3 + 2000 * 81)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    /// Echoes the big message and a small one through the one driver of `config`.
    private func roundTrip(_ config: DriverConfig) async throws -> DriverFraming? {
        try await withAltstack([config]) { altstack in
            #expect(await altstack.waitUntilReady())
            let supervisor = try #require(altstack.supervisor(named: config.name))
            let big = SendMessageParams(message: DriverP2PMessage(command: "headers", payloadBytes: Self.payload), expect: ["headers"])
            let result = try await supervisor.call(Methods.sendMessage, big).result(as: SendMessageResult.self)
            #expect(try result.replies.first?.payloadBytes() == Self.payload)
            let small = SendMessageParams(message: DriverP2PMessage(command: "headers", payload: "00"), expect: ["headers"])
            #expect(try await supervisor.call(Methods.sendMessage, small).result(as: SendMessageResult.self).replies.first?.payload == "00")
            // Still up after the exchange (no breach), and the snapshot says which framing carried it.
            let snapshot = try #require(altstack.snapshot().first)
            #expect(snapshot.state == .ready)
            return snapshot.framing
        }
    }

    @Test func aDriverThatDeclaresBinaryGetsBinary() async throws {
        let config = try DriverFixtures.testDriverConfig("bin", ["--kinds", "headers", "--echo"])
        #expect(try await roundTrip(config) == .binary)
    }

    @Test func aDriverThatDoesNotDeclareItKeepsJSON() async throws {
        let config = try DriverFixtures.testDriverConfig("jsononly", ["--kinds", "headers", "--echo", "--json-only"])
        #expect(try await roundTrip(config) == .json)
    }

    @Test func aCoreThatDoesNotOfferItKeepsJSON() async throws {
        var config = try DriverFixtures.testDriverConfig("notoffered", ["--kinds", "headers", "--echo"])
        config.framings = [.json]
        #expect(try await roundTrip(config) == .json)
    }

    /// The Python example declares nothing and never sees a frame: it stays on JSON lines.
    @Test func thePythonExampleKeepsJSON() async throws {
        let config = DriverConfig(
            name: "example", executable: try DriverFixtures.python(),
            arguments: [DriverFixtures.packageFile("drivers/example-python/driver.py")],
            dataDir: FileManager.default.temporaryDirectory.appendingPathComponent("altnet-test-example").path)
        try await withAltstack([config]) { altstack in
            #expect(await altstack.waitUntilReady())
            #expect(altstack.snapshot().first?.framing == .json)
            #expect(altstack.snapshot().first?.manifest?.framings == nil)
            let answer = try await altstack.sendMessage(DriverFixtures.getHeaders, timeout: .seconds(10))
            #expect(answer.value.replies.map(\.command) == ["headers"])
        }
    }
}
