import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// A server that sends too much or never finishes: the driver refuses oversized bodies before
/// buffering them and gives up when its timeout fires.
@Suite(.serialized) struct HostileServerTests {
    /// A getdata for one (witness) block, to the server at `url`.
    static func getBlock(_ supervisor: DriverSupervisor, peer: String, timeoutMs: Int = 20_000) async -> (DriverProtocolError?, Duration) {
        var w = ByteWriter()
        Inventory.encodeList([Inventory(type: .witnessBlock, hash: Hash256(words: (7, 7, 7, 7)))], to: &w)
        let params = SendMessageParams(
            peer: peer, message: DriverP2PMessage(command: "getdata", payload: Hex.encode(w.bytes)),
            expect: ["block", "notfound"], timeoutMs: timeoutMs)
        let started = ContinuousClock.now
        do throws(DriverProtocolError) {
            _ = try await supervisor.call(Methods.sendMessage, params, timeout: .milliseconds(timeoutMs + 5000))
            return (nil, ContinuousClock.now - started)
        } catch {
            return (error, ContinuousClock.now - started)
        }
    }

    @Test("a body streamed without end is cut at the 4 MB block bound; the server could not push much more")
    func endlessBodyIsCut() async throws {
        let (server, url) = try await EsploraFixture.server(["--hostile", "chunked-huge"])
        defer { server.kill() }
        try await EsploraFixture.withDriver(try EsploraFixture.config(urls: [url], network: "regtest")) { supervisor, _ in
            let (error, took) = await Self.getBlock(supervisor, peer: url)
            #expect(error?.kind == .peerUnavailable && error?.message.contains("refused") == true, "\(String(describing: error))")
            let done = try await server.waitFor(timeout: .seconds(20)) {
                $0["event"] as? String == "hostile-done" && ($0["path"] as? String)?.hasSuffix("/raw") == true
            }
            let written = try #require(done["written"] as? Int)
            print("esplora hostile chunked: refused after \(took); the server wrote \(written) bytes before the connection closed")
            #expect(written < 16_000_000, "the driver kept reading: \(written) bytes")
            let blockAnswers = server.events("hostile-done").filter { ($0["path"] as? String)?.hasSuffix("/raw") == true }
            #expect(blockAnswers.count == 1, "refusal is not retried")
        }
    }

    @Test("a Content-Length over the bound is refused before any body is read")
    func declaredHugeBodyIsRefusedAtOnce() async throws {
        let (server, url) = try await EsploraFixture.server(["--hostile", "declared-huge"])
        defer { server.kill() }
        try await EsploraFixture.withDriver(try EsploraFixture.config(urls: [url], network: "regtest")) { supervisor, _ in
            let (error, took) = await Self.getBlock(supervisor, peer: url)
            #expect(error?.kind == .peerUnavailable && error?.message.contains("refused") == true, "\(String(describing: error))")
            print("esplora hostile declared 100 MB: refused after \(took)")
            #expect(took < .seconds(5), "refused without waiting for the body: \(took)")
        }
    }

    @Test("a server that never finishes its body: the request timeout fires")
    func stalledBodyTimesOut() async throws {
        let (server, url) = try await EsploraFixture.server(["--hostile", "stall"])
        defer { server.kill() }
        let config = try EsploraFixture.config(urls: [url], network: "regtest", extra: ["timeout": .int(2), "retries": .int(0)])
        try await EsploraFixture.withDriver(config) { supervisor, _ in
            let (error, took) = await Self.getBlock(supervisor, peer: url)
            print("esplora hostile stall: gave up after \(took)")
            #expect(error?.kind == .timeout, "\(String(describing: error))")
            #expect(took >= .milliseconds(1900) && took < .seconds(8), "\(took)")
        }
    }
}
