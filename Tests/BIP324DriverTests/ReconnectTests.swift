import Altstack
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// Connection management: hostnames, IPv6, and reconnecting after the peer goes away.
@Suite(.serialized) struct ReconnectTests {
    @Test func connectsByHostname() async throws {
        let peer = try await BIP324DriverPeer(mode: "serve")
        defer { peer.kill() }
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [peer.port], host: "localhost")) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer == "localhost:\(peer.port)" } != nil)
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, timeout: .seconds(20))
            #expect(answer.value.replies.first?.command == "headers")
        }
    }

    @Test func connectsOverIPv6Loopback() async throws {
        let peer = try await BIP324DriverPeer(mode: "serve", host: "::1")
        defer { peer.kill() }
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [peer.port], host: "[::1]")) { altstack, events in
            #expect(await altstack.waitUntilReady())
            #expect(await events.waitFor { $0.connectedPeer == "[::1]:\(peer.port)" } != nil)
            let answer = try await altstack.sendMessage(DriverInteropTests.getHeaders, timeout: .seconds(20))
            #expect(answer.value.replies.first?.command == "headers")
        }
    }

    @Test func reconnectsAfterThePeerCloses() async throws {
        let peer = try await BIP324DriverPeer(mode: "flaky")
        defer { peer.kill() }
        let id = "127.0.0.1:\(peer.port)"
        try await DriverFixture.withDriver(try DriverFixture.config(ports: [peer.port])) { altstack, events in
            #expect(await altstack.waitUntilReady())
            let gone = await events.waitFor { $0.disconnect?.peer == id }
            #expect(gone?.disconnect?.reason == "connection closed by the peer")
            // Back after the first backoff step (1 s): a second peerconnected for the same peer.
            let again = await events.waitFor(timeout: .seconds(10)) { _ in
                events.all.filter { $0.connectedPeer == id }.count >= 2
            }
            #expect(again != nil)
            #expect(peer.events("handshake").count >= 2)
        }
    }
}
