import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import HeaderChain
import Testing
import TestSupport

/// altnet-driver-esplora as a subprocess against integration/esplora_server.py serving the real
/// mainnet headers 822528 ... 830592 (../shared/data/mainnet); answers validated by HeaderChain
/// with mainnet rules.
@Suite(.serialized) struct MainnetEsploraTests {
    /// A chain anchored at 822528 with its real chain work.
    static func anchoredChain(_ headers: [BlockHeader]) throws -> HeaderChain {
        let anchor = try ChainAnchor(header: headers[0], height: 822_528, chainWork: try MainnetHeaders.chainWork(atHeight: 822_528))
        return HeaderChain(params: .main, anchor: anchor)
    }

    @Test("2,000 mainnet headers fetched over Esplora validate through HeaderChain (mainnet rules, anchored at 822528)")
    func twoThousandMainnetHeaders() async throws {
        let file = try MainnetHeaders.load()
        let (server, url) = try await EsploraFixture.mainnetServer()
        defer { server.kill() }
        try await EsploraFixture.withDriver(try EsploraFixture.config(urls: [url])) { supervisor, _ in
            let peers = try await supervisor.call(Methods.listPeers, EmptyObject()).result(as: ListPeersResult.self).peers
            #expect(peers.map(\.id) == [url])
            let started = ContinuousClock.now
            let headers = try await EsploraFixture.getHeaders(supervisor, peer: url, locator: [file[0].hash])
            let took = ContinuousClock.now - started
            #expect(headers.count == 2000)
            var chain = try Self.anchoredChain(file)
            let result = try chain.accept(headers, from: HeaderSource(url), now: Int64(file.last!.time) + 3600)
            #expect(result.accepted.count == 2000)
            #expect(chain.tip.height == 824_528)
            #expect(chain.tip.hash == file[2000].hash)
            print("esplora: 2,000 mainnet headers over loopback HTTP in \(took)")
        }
    }

    @Test("two sources, one lying at 823000: the disagreement is reported and the valid chain wins")
    func lyingSourceIsReportedAndLoses() async throws {
        let file = try MainnetHeaders.load()
        let (honest, honestURL) = try await EsploraFixture.mainnetServer()
        defer { honest.kill() }
        let (liar, liarURL) = try await EsploraFixture.mainnetServer(lieHeight: 823_000)
        defer { liar.kill() }
        try await EsploraFixture.withDriver(try EsploraFixture.config(urls: [honestURL, liarURL])) { supervisor, log in
            // The core's fan-out: each source asked by id, each answer validated on its own.
            var chain = try Self.anchoredChain(file)
            let now = Int64(file.last!.time) + 3600
            let fromLiar = try await EsploraFixture.getHeaders(supervisor, peer: liarURL, locator: [file[0].hash])
            let fromHonest = try await EsploraFixture.getHeaders(supervisor, peer: honestURL, locator: [file[0].hash])
            #expect(fromHonest.count == 2000)
            #expect(fromLiar.count == 823_000 - 822_528, "the liar's answer is cut after its lie, where the next header does not build on it")
            #expect(fromLiar.last?.hash != file[823_000 - 822_528].hash)

            var liarRejected: HeaderRejection?
            do throws(HeaderRejection) {
                _ = try chain.accept(fromLiar, from: HeaderSource(liarURL), now: now)
            } catch {
                liarRejected = error
            }
            #expect(liarRejected?.isInvalidHeader == true, "the lie fails validation: \(String(describing: liarRejected))")
            _ = try chain.accept(fromHonest, from: HeaderSource(honestURL), now: now)
            #expect(chain.tip.height == 824_528 && chain.tip.hash == file[2000].hash)
            #expect(chain.header(atHeight: 823_000)?.hash == file[823_000 - 822_528].hash)

            // Reported: a log line naming the height and both sources, and the figures.
            let line = log.all.first { $0.contains("sources disagree") }
            #expect(line?.contains("at height 823000") == true, "\(log.all.suffix(10))")
            #expect(line?.contains(liarURL) == true && line?.contains(honestURL) == true)
            let sources = try await EsploraFixture.sources(supervisor)
            #expect(sources[liarURL]?["disagreements"] as? Int == 1)
            #expect((sources[liarURL]?["last_disagreement"] as? String)?.contains("823000") == true)
        }
    }
}
