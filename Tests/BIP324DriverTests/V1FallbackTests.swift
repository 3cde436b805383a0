import Altstack
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// `--v1-fallback` against a v1-only listener (an old node that drops anything but a v1 version).
@Suite(.serialized) struct V1FallbackTests {
    @Test func v2OnlyByDefault() async throws {
        let peer = try await BIP324DriverPeer(mode: "v1only")
        defer { peer.kill() }
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [peer.port])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(altstack.snapshot().first?.manifest?.capabilities.encrypted == true)
            try await peer.waitFor(event: "refused_non_v1")
            try await Task.sleep(for: .seconds(1.5))
            #expect(!events.all.contains { $0.connectedPeer != nil })
            #expect(peer.events("v1_version").isEmpty)
        }
    }

    @Test func fallsBackToV1AndSaysSo() async throws {
        let peer = try await BIP324DriverPeer(mode: "v1only")
        defer { peer.kill() }
        let id = "127.0.0.1:\(peer.port)"
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [peer.port], arguments: ["--v1-fallback"])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            // The manifest does not claim encryption it cannot promise.
            #expect(altstack.snapshot().first?.manifest?.capabilities.encrypted == false)
            // "says so per peer": peerconnected carries transport v1.
            #expect(await events.waitFor { $0.connectedPeer == id }?.connectedTransport == .v1)
            #expect(await events.waitForLog(["peer \(id)", "falling back to v1"]) != nil)
            #expect(await events.waitForLog(["peer \(id)", "PLAINTEXT v1"]) != nil)
            #expect(peer.events("refused_non_v1").count == 1)
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, timeout: .seconds(20))
            let reply = try #require(answer.value.replies.first)
            #expect(reply.command == "headers")
            #expect(reply.payload.count == 2 * (3 + 2000 * 81))
        }
    }
}
