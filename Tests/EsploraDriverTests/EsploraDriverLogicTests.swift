import BitcoinPrimitives
import DriverProtocol
@testable import EsploraDriverCore
import Testing

/// The driver's getdata and broadcast logic against canned answers (no network).
@Suite struct EsploraDriverLogicTests {
    static func inventory(_ items: [Inventory]) -> [UInt8] {
        var w = ByteWriter()
        Inventory.encodeList(items, to: &w)
        return w.bytes
    }

    let driver = EsploraDriver { _ in try FakeEsplora.mainnet(count: 5) }

    @Test func aBlockTheSourceDoesNotHaveAndTransactionsAreAnsweredNotFound() async throws {
        let fake = try FakeEsplora.mainnet(count: 5)
        let source = EsploraCoreTests.source(fake)
        let block = Inventory(type: .witnessBlock, hash: fake.hashes[1].hash)
        let missing = try await driver.getData(Self.inventory([block]), source: source, deadline: EsploraCoreTests.deadline())
        #expect(missing.command == "notfound" && missing.payload == Hex.encode(Self.inventory([block])))
        #expect(fake.requests.last?.hasSuffix("/block/\(fake.hashes[1].displayHex)/raw") == true)

        let txs = [Inventory(type: .witnessTx, hash: Hash256(words: (5, 5, 5, 5)))]
        let before = fake.requests.count
        let notFound = try await driver.getData(Self.inventory(txs), source: source, deadline: EsploraCoreTests.deadline())
        #expect(notFound.command == "notfound")
        #expect(fake.requests.count == before, "transactions are not fetched")

        await #expect(throws: DriverProtocolError.self) {
            _ = try await driver.getData(Self.inventory([block, block]), source: source, deadline: EsploraCoreTests.deadline())
        }
    }

    @Test func aBlockThatIsNotTheOneAskedForIsRefused() async throws {
        let fake = try FakeEsplora.mainnet(count: 5)
        // A minimal block: a header and no transactions (parses; hashes to its header).
        let header = fake.headers[2]
        fake.queue([.success(EsploraResponse(status: 200, body: header.serialized + [0]))])
        let asked = Inventory(type: .witnessBlock, hash: fake.hashes[1].hash)
        let error = await #expect(throws: EsploraSourceError.self) {
            _ = try await driver.getData(Self.inventory([asked]), source: EsploraCoreTests.source(fake), deadline: EsploraCoreTests.deadline())
        }
        #expect(error?.description.contains("asked for block \(fake.hashes[1]), got \(fake.hashes[2])") == true, "\(String(describing: error))")
    }

    @Test func broadcastGoesToEverySourceAndCountsThoseThatTookIt() async throws {
        let taker = try FakeEsplora.mainnet(count: 1), refuser = try FakeEsplora.mainnet(count: 1)
        taker.queue([.success(EsploraResponse(status: 200, body: Array(String(repeating: "ab", count: 32).utf8)))])
        let outcomes = await EsploraDriver.post([1, 2, 3], to: [
            EsploraCoreTests.source(taker, url: "http://a.example"), EsploraCoreTests.source(refuser, url: "http://b.example"),
        ])
        #expect(outcomes.map(\.id) == ["http://a.example", "http://b.example"])
        #expect(outcomes[0].failure == nil)
        #expect(outcomes[1].failure?.contains("HTTP 400") == true)
        #expect(taker.requests == ["http://a.example/tx"] && refuser.requests == ["http://b.example/tx"])
    }
}
