import BitcoinPrimitives
import DriverProtocol
import EsploraDriverCore
import JSON
import Testing

/// The driver's logic against canned answers (no network): options, the header walk, the
/// source comparison, retries and bounds.
@Suite struct EsploraCoreTests {
    static func deadline() -> ContinuousClock.Instant { ContinuousClock.now + .seconds(30) }

    static func source(_ fake: FakeEsplora, retries: Int = 2, url: String = "http://a.example") -> EsploraSource {
        EsploraSource(baseURL: url, transport: fake, timeout: .seconds(5), retries: retries,
                      backoffBase: .milliseconds(1), backoffCap: .milliseconds(4))
    }

    @Test func optionsReadRepeatedAndCommaSeparatedURLs() throws {
        let options = try EsploraOptions([
            "url": .array([.string("https://mempool.space/api/, https://blockstream.info/api"), .string("http://127.0.0.1:3000")]),
            "proxy": .string("127.0.0.1:9050"), "timeout": .int(7),
        ], network: "main")
        #expect(options.urls == ["https://mempool.space/api", "https://blockstream.info/api", "http://127.0.0.1:3000"])
        #expect(options.proxy == EsploraOptions.SOCKSProxy(host: "127.0.0.1", port: 9050))
        #expect(options.timeout == .seconds(7))
        #expect(options.poll == .seconds(30) && options.retries == 2 && options.network == "main")
        #expect(try EsploraOptions(["url": .string("http://x"), "poll": .int(0)], network: "main").poll == nil)
        #expect(try EsploraOptions(["url": .string("http://x"), "proxy": .string("socks5://[::1]:9050")], network: "main").proxy?.host == "::1")
    }

    @Test(arguments: [
        ["url": JSONValue.string("ftp://x")],
        ["url": .string("http://x?q=1")],
        [:],
        ["url": .string("http://x"), "proxy": .string("nohost")],
        ["url": .string("http://x"), "timeout": .int(0)],
        ["url": .string("http://x"), "network": .string("testnet4")],
    ])
    func badOptionsAreRefused(_ options: [String: JSONValue]) {
        #expect(throws: DriverProtocolError.self) { try EsploraOptions(options, network: "main") }
    }

    @Test func walkAnswers2000HeadersFromTheLocatorsForkPoint() async throws {
        let fake = try FakeEsplora.mainnet()
        // The first locator hash is unknown to the source; the second is 822528 + 10.
        let locator = [BlockHash(Hash256(words: (1, 2, 3, 4))), fake.hashes[10], fake.hashes[0]]
        let walk = try await HeaderWalk.walk(GetHeadersMessage(version: 70016, locator: locator), source: Self.source(fake), deadline: Self.deadline())
        #expect(walk.forkHeight == 822_538)
        #expect(walk.headers.count == 2000)
        #expect(walk.headers.first?.hash == fake.hashes[11])
        #expect(walk.headers.last?.hash == fake.hashes[2010])
        #expect(walk.cut == nil)
        #expect(fake.requests.filter { $0.hasSuffix("/status") }.count == 2, "the walk stops at the first locator hash it knows")
    }

    @Test func walkStopsAtTheTipAndAtHashStop() async throws {
        let fake = try FakeEsplora.mainnet(count: 50)
        let toTip = try await HeaderWalk.walk(GetHeadersMessage(version: 70016, locator: [fake.hashes[0]]), source: Self.source(fake), deadline: Self.deadline())
        #expect(toTip.headers.map(\.hash) == Array(fake.hashes[1...]))
        let stopped = try await HeaderWalk.walk(
            GetHeadersMessage(version: 70016, locator: [fake.hashes[0]], hashStop: fake.hashes[7]), source: Self.source(fake), deadline: Self.deadline())
        #expect(stopped.headers.map(\.hash) == Array(fake.hashes[1...7]))
        let atTip = try await HeaderWalk.walk(GetHeadersMessage(version: 70016, locator: [fake.hashes[49]]), source: Self.source(fake), deadline: Self.deadline())
        #expect(atTip.headers.isEmpty)
    }

    @Test func walkCutsWhereAHeaderDoesNotBuildOnThePrevious() async throws {
        var headers = try Array(MainnetHeaders.load().prefix(40))
        headers[20].nonce ^= 1  // a lie at 822548: 822549 no longer builds on it
        let fake = FakeEsplora(headers: headers)
        let walk = try await HeaderWalk.walk(GetHeadersMessage(version: 70016, locator: [fake.hashes[0]]), source: Self.source(fake), deadline: Self.deadline())
        #expect(walk.headers.count == 20, "headers 822529 ... 822548, the last the lie")
        #expect(walk.headers.last?.hash == fake.hashes[20])
        #expect(walk.cut?.contains("does not build on") == true)
    }

    @Test func ledgerReportsTheSourceThatDisagreesAndStaysBounded() throws {
        let a = BlockHash(Hash256(words: (1, 0, 0, 0))), b = BlockHash(Hash256(words: (2, 0, 0, 0)))
        var ledger = SourceLedger(capacity: 3)
        #expect(ledger.record(source: "x", height: 10, hash: a) == nil)
        #expect(ledger.record(source: "y", height: 10, hash: a) == nil)
        let disagreement = ledger.record(source: "z", height: 10, hash: b)
        let d = try #require(disagreement)
        #expect(d.height == 10 && d.source == "z" && d.hash == b && d.others == ["x": a, "y": a])
        for h in 11...13 { _ = ledger.record(source: "x", height: h, hash: a) }
        #expect(ledger.count == 3)
        #expect(ledger.hashes(atHeight: 10).isEmpty, "the lowest height is forgotten first")
    }

    @Test func transientFailuresAreRetriedAndOthersAreNot() async throws {
        let fake = try FakeEsplora.mainnet(count: 5)
        fake.queue([.failure(.connection("refused")), .success(EsploraResponse(status: 503, body: []))])
        #expect(try await Self.source(fake).tipHeight(deadline: Self.deadline()) == 822_532)
        #expect(fake.requests.count == 3)

        let tooLarge = try FakeEsplora.mainnet(count: 5)
        tooLarge.queue([.failure(.bodyTooLarge(limit: 10))])
        await #expect(throws: EsploraSourceError.transport(.bodyTooLarge(limit: 10))) {
            try await Self.source(tooLarge).tipHeight(deadline: Self.deadline())
        }
        #expect(tooLarge.requests.count == 1)

        let missing = try FakeEsplora.mainnet(count: 5)
        await #expect(throws: EsploraSourceError.self) {
            try await Self.source(missing).blockHash(atHeight: 1, deadline: Self.deadline())
        }
        #expect(missing.requests.count == 1, "a 404 is an answer, not a failure to retry")

        let down = try FakeEsplora.mainnet(count: 5)
        down.queue(Array(repeating: .failure(.timeout), count: 10))
        await #expect(throws: EsploraSourceError.transport(.timeout)) {
            try await Self.source(down, retries: 2).tipHeight(deadline: Self.deadline())
        }
        #expect(down.requests.count == 3, "one try and two retries")
    }

    @Test func aHeaderThatDoesNotHashToItsIDIsRefused() async throws {
        let fake = try FakeEsplora.mainnet(count: 5)
        var other = fake.headers[2]
        other.nonce ^= 1
        fake.queue([.success(EsploraResponse(status: 200, body: Array(Hex.encode(other.serialized).utf8)))])
        await #expect(throws: EsploraSourceError.self) {
            try await Self.source(fake).header(fake.hashes[2], deadline: Self.deadline())
        }
    }

    @Test func whichChainASourceServes() async throws {
        let fake = try FakeEsplora.mainnet(count: 5)
        let genesis = BlockHash(Hash256(words: (9, 9, 9, 9)))
        #expect(await Self.source(fake).serves(genesis: genesis, deadline: Self.deadline()) == nil, "no block 0: no verdict")
        fake.queue([.success(EsploraResponse(status: 200, body: Array(genesis.displayHex.utf8)))])
        #expect(await Self.source(fake).serves(genesis: genesis, deadline: Self.deadline()) == true)
        fake.queue([.success(EsploraResponse(status: 200, body: Array(fake.hashes[0].displayHex.utf8)))])
        #expect(await Self.source(fake).serves(genesis: genesis, deadline: Self.deadline()) == false)
    }
}
