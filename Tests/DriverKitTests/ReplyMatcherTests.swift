import BitcoinPrimitives
import DriverKit
import Testing
import TestSupport

/// DriverKit's `ExpectedReply`: which of a peer's messages answer which `sendmessage` request,
/// on real mainnet headers (shared data, heights 822,528 on) and payloads built here.
@Suite struct ReplyMatcherTests {
    /// The first `count` mainnet headers of the shared file.
    static func mainnetHeaders(_ count: Int) throws -> [BlockHeader] {
        let raw = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        try #require(raw.count >= count * BlockHeader.size)
        return try (0..<count).map { try BlockHeader(bytes: raw[($0 * 80)..<($0 * 80 + 80)]) }
    }

    static func getheaders(_ locator: [BlockHash], stop: BlockHash = .zero) -> [UInt8] {
        var w = ByteWriter()
        GetHeadersMessage(version: 70016, locator: locator, hashStop: stop).write(to: &w)
        return w.bytes
    }

    static func headers(_ list: some Collection<BlockHeader>) -> [UInt8] {
        P2PMessage.headers(Array(list)).encodePayload()
    }

    static func inventory(_ items: [Inventory]) -> [UInt8] {
        var w = ByteWriter()
        Inventory.encodeList(items, to: &w)
        return w.bytes
    }

    /// A block on `header` with one coinbase-shaped transaction (merkle root not checked here).
    static func block(_ header: BlockHeader, tag: UInt8 = 0) -> [UInt8] {
        Block(header: header, transactions: [tx(tag: tag, witness: false)]).serialized()
    }

    static func tx(tag: UInt8, witness: Bool) -> Transaction {
        let input = TxIn(
            previousOutput: OutPoint(txid: Txid(Hash256.sha256d(of: [tag])), index: 0), scriptSig: [],
            sequence: 0xFFFF_FFFD, witness: witness ? [[UInt8](repeating: 0x30, count: 71), [0x02] + [UInt8](repeating: tag, count: 32)] : [])
        return Transaction(version: 2, inputs: [input], outputs: [TxOut(value: 50_000, scriptPubKey: [0x00, 0x14] + [UInt8](repeating: tag, count: 20))], lockTime: 0)
    }

    static func getdata(_ items: [Inventory]) -> ExpectedReply {
        ExpectedReply(request: "getdata", payload: inventory(items), expect: ["block", "tx", "notfound"])
    }

    // MARK: getheaders

    @Test func headersFollowingALocatorHashAnswerGetheaders() throws {
        let chain = try Self.mainnetHeaders(40)
        // Locator: 30, 29, 25, 10 (newest first). Core answers after the first one it has.
        let request = ExpectedReply(
            request: "getheaders", payload: Self.getheaders([30, 29, 25, 10].map { chain[$0].hash }), expect: ["headers"])
        #expect(request.isAnswered(by: ReceivedReply(command: "headers", payload: Self.headers(chain[31...]))))
        #expect(request.isAnswered(by: ReceivedReply(command: "headers", payload: Self.headers(chain[26..<36]))))
        #expect(request.isAnswered(by: ReceivedReply(command: "headers", payload: Self.headers(chain[11...11]))))
        // Nothing after our tip: the empty answer.
        #expect(request.isAnswered(by: ReceivedReply(command: "headers", payload: [0x00])))
        // An announcement (BIP130) of a block on a header we did not name: not the answer.
        #expect(!request.isAnswered(by: ReceivedReply(command: "headers", payload: Self.headers(chain[35...35]))))
        #expect(!request.isAnswered(by: ReceivedReply(command: "headers", payload: Self.headers(chain[20..<22]))))
        // Only expected commands answer.
        #expect(!request.isAnswered(by: ReceivedReply(command: "block", payload: Self.block(chain[31]))))
    }

    @Test func headersFromGenesisAndTheHashStopRule() throws {
        let chain = try Self.mainnetHeaders(5)
        let locator = [chain[4].hash]
        let request = ExpectedReply(request: "getheaders", payload: Self.getheaders(locator), expect: ["headers"])
        // Core knows none of the locator: it answers from genesis (the header after it).
        var first = chain[0]
        first.previousBlockHash = ChainParams.main.genesis.hash
        #expect(request.isAnswered(by: ReceivedReply(command: "headers", payload: Self.headers([first]))))
        // An empty locator asks for the hash_stop header itself.
        let byStop = ExpectedReply(request: "getheaders", payload: Self.getheaders([], stop: chain[2].hash), expect: ["headers"])
        #expect(byStop.isAnswered(by: ReceivedReply(command: "headers", payload: Self.headers(chain[2...2]))))
        #expect(!byStop.isAnswered(by: ReceivedReply(command: "headers", payload: Self.headers(chain[3...3]))))
    }

    @Test func malformedHeadersNeverAnswer() throws {
        let chain = try Self.mainnetHeaders(3)
        let request = ExpectedReply(request: "getheaders", payload: Self.getheaders([chain[0].hash]), expect: ["headers"])
        let good = Self.headers(chain[1...2])
        #expect(request.isAnswered(by: ReceivedReply(command: "headers", payload: good)))
        var withTransactions = good
        withTransactions[1 + 80] = 1  // the first header's transaction count
        var countTooHigh = good
        countTooHigh[0] = 3
        let cases: [[UInt8]] = [
            [], Array(good.dropLast()), good + [0], withTransactions, countTooHigh,
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],  // a count of 2^64 - 1
            [0xFD, 0xD1, 0x07] + [UInt8](repeating: 0, count: 2001 * 81),  // 2,001 headers
        ]
        for payload in cases {
            #expect(!request.isAnswered(by: ReceivedReply(command: "headers", payload: payload)), "\(Array(payload.prefix(8)).hex)")
        }
    }

    // MARK: getdata

    @Test func blocksAnswerTheGetdataThatNamedThem() throws {
        let chain = try Self.mainnetHeaders(3)
        let forA = Self.getdata([Inventory(type: .witnessBlock, hash: chain[0].hash.hash)])
        let forB = Self.getdata([Inventory(type: .block, hash: chain[1].hash.hash)])
        let blockA = ReceivedReply(command: "block", payload: Self.block(chain[0]))
        let blockB = ReceivedReply(command: "block", payload: Self.block(chain[1]))
        #expect(forA.isAnswered(by: blockA) && !forA.isAnswered(by: blockB))
        #expect(forB.isAnswered(by: blockB) && !forB.isAnswered(by: blockA))
        // One getdata for both: either block answers it; a third does not.
        let forBoth = Self.getdata([chain[0], chain[1]].map { Inventory(type: .witnessBlock, hash: $0.hash.hash) })
        #expect(forBoth.isAnswered(by: blockA) && forBoth.isAnswered(by: blockB))
        #expect(!forBoth.isAnswered(by: ReceivedReply(command: "block", payload: Self.block(chain[2]))))
    }

    @Test func notfoundAnswersTheGetdataSharingAnItem() throws {
        let chain = try Self.mainnetHeaders(3)
        let items = chain.map { Inventory(type: .witnessBlock, hash: $0.hash.hash) }
        let forA = Self.getdata([items[0]])
        let forBC = Self.getdata([items[1], items[2]])
        let notfoundC = ReceivedReply(command: "notfound", payload: Self.inventory([items[2]]))
        #expect(forBC.isAnswered(by: notfoundC))
        #expect(!forA.isAnswered(by: notfoundC))
        #expect(forA.isAnswered(by: ReceivedReply(command: "notfound", payload: Self.inventory([items[2], items[0]]))))
        // Malformed: truncated, trailing byte, empty, count past Core's 50,000.
        let good = Self.inventory([items[0]])
        for payload in [Array(good.dropLast()), good + [0], [], [0xFE, 0x51, 0xC3, 0x00, 0x00]] {
            #expect(!forA.isAnswered(by: ReceivedReply(command: "notfound", payload: payload)), "\(Array(payload.prefix(8)).hex)")
        }
    }

    @Test func transactionsAnswerByTxidOrWtxid() throws {
        let plain = Self.tx(tag: 1, witness: false)
        let segwit = Self.tx(tag: 2, witness: true)
        #expect(segwit.txid.hash != segwit.wtxid.hash)
        let byTxid = Self.getdata([Inventory(type: .witnessTx, hash: plain.txid.hash)])
        let byWtxid = Self.getdata([Inventory(type: .wtx, hash: segwit.wtxid.hash)])
        let plainReply = ReceivedReply(command: "tx", payload: plain.serialized())
        let segwitReply = ReceivedReply(command: "tx", payload: segwit.serialized())
        #expect(byTxid.isAnswered(by: plainReply) && !byTxid.isAnswered(by: segwitReply))
        #expect(byWtxid.isAnswered(by: segwitReply) && !byWtxid.isAnswered(by: plainReply))
        // A segwit tx asked for by txid (MSG_WITNESS_TX) is named by its txid.
        #expect(Self.getdata([Inventory(type: .witnessTx, hash: segwit.txid.hash)]).isAnswered(by: segwitReply))
        // A MSG_WTX request is not answered by a tx whose txid (not wtxid) happens to be the hash.
        #expect(!Self.getdata([Inventory(type: .wtx, hash: segwit.txid.hash)]).isAnswered(by: segwitReply))
        // Malformed tx: truncated, trailing bytes.
        let bytes = plain.serialized()
        #expect(!byTxid.isAnswered(by: ReceivedReply(command: "tx", payload: Array(bytes.dropLast()))))
        #expect(!byTxid.isAnswered(by: ReceivedReply(command: "tx", payload: bytes + [0])))
    }

    @Test func malformedBlocksNeverAnswer() throws {
        let chain = try Self.mainnetHeaders(1)
        let request = Self.getdata([Inventory(type: .witnessBlock, hash: chain[0].hash.hash)])
        let good = Self.block(chain[0])
        let truncated = Array(good.dropLast())
        let padded = good + [0]
        let headerOnly = chain[0].serialized
        for payload in [truncated, padded, headerOnly, Array(headerOnly.prefix(79)), []] {
            #expect(!request.isAnswered(by: ReceivedReply(command: "block", payload: payload)), "\(payload.count) bytes")
        }
        // A driver that parsed the block already (BIP324's PeerSession.check) has only the header read...
        #expect(request.isAnswered(by: ReceivedReply(command: "block", payload: good, blockChecked: true)))
        // ... which still has to be there.
        #expect(!request.isAnswered(by: ReceivedReply(command: "block", payload: Array(headerOnly.prefix(79)), blockChecked: true)))
    }

    // MARK: ping, other commands, odd requests

    @Test func pongAnswersThePingWithItsNonce() {
        let nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        let ping = ExpectedReply(request: "ping", payload: nonce, expect: ["pong"])
        #expect(ping.isAnswered(by: ReceivedReply(command: "pong", payload: nonce)))
        #expect(!ping.isAnswered(by: ReceivedReply(command: "pong", payload: nonce.reversed())))
        #expect(!ping.isAnswered(by: ReceivedReply(command: "pong", payload: nonce + [0])))
    }

    @Test func txIsAnsweredByTheInvNamingItsWtxid() {
        let segwit = Self.tx(tag: 7, witness: true), legacy = Self.tx(tag: 8, witness: false)
        let sent = ExpectedReply(request: "tx", payload: segwit.serialized(), expect: ["inv"])
        #expect(sent.isAnswered(by: ReceivedReply(command: "inv", payload: Self.inventory([Inventory(type: .wtx, hash: segwit.wtxid.hash)]))))
        // The txid, MSG_TX, another transaction, an unreadable inv: no acknowledgement.
        #expect(!sent.isAnswered(by: ReceivedReply(command: "inv", payload: Self.inventory([Inventory(type: .wtx, hash: segwit.txid.hash)]))))
        #expect(!sent.isAnswered(by: ReceivedReply(command: "inv", payload: Self.inventory([Inventory(type: .tx, hash: segwit.wtxid.hash)]))))
        #expect(!sent.isAnswered(by: ReceivedReply(command: "inv", payload: Self.inventory([Inventory(type: .wtx, hash: legacy.txid.hash)]))))
        #expect(!sent.isAnswered(by: ReceivedReply(command: "inv", payload: [0xff])))
        // Without a witness the wtxid is the txid.
        let plain = ExpectedReply(request: "tx", payload: legacy.serialized(), expect: ["inv"])
        #expect(plain.isAnswered(by: ReceivedReply(command: "inv", payload: Self.inventory([Inventory(type: .wtx, hash: legacy.txid.hash)]))))
    }

    @Test func otherRequestsKeepTheCommandRule() throws {
        let chain = try Self.mainnetHeaders(1)
        // A request without a rule: any expected command answers it.
        let getaddr = ExpectedReply(request: "getaddr", payload: [], expect: ["addr", "addrv2"])
        #expect(getaddr.isAnswered(by: ReceivedReply(command: "addr", payload: [0x01, 0x02])))
        #expect(!getaddr.isAnswered(by: ReceivedReply(command: "headers", payload: [0x00])))
        // A getdata we cannot read ourselves: paired by command, as before; a malformed reply still never answers.
        let unreadable = ExpectedReply(request: "getdata", payload: [0x05, 0x01], expect: ["block"])
        #expect(unreadable.isAnswered(by: ReceivedReply(command: "block", payload: Self.block(chain[0]))))
        #expect(!unreadable.isAnswered(by: ReceivedReply(command: "block", payload: [0x00])))
        // A reply command the rule does not read (compact block for a getdata): by command.
        let compact = ExpectedReply(
            request: "getdata", payload: Self.inventory([Inventory(type: .compactBlock, hash: chain[0].hash.hash)]), expect: ["cmpctblock"])
        #expect(compact.isAnswered(by: ReceivedReply(command: "cmpctblock", payload: [0x01])))
        // Nothing expected: nothing answers.
        let silent = ExpectedReply(request: "getdata", payload: Self.inventory([]), expect: [])
        #expect(!silent.isAnswered(by: ReceivedReply(command: "notfound", payload: Self.inventory([]))))
    }

    /// Random bytes under every command, as request and as reply: no trap, and a getdata for a
    /// hash none of them can carry is never answered by a block, tx or notfound.
    @Test func randomPayloadsNeverTrap() {
        var rng = SplitMix64(seed: 0xA17)
        let commands = ["getdata", "getheaders", "ping", "block", "tx", "notfound", "headers", "pong", "inv"]
        let target = Self.getdata([Inventory(type: .witnessBlock, hash: Hash256.sha256d(of: Array("unreachable".utf8)))])
        var answered = 0
        for round in 0..<3_000 {
            let length = Int(rng.next() % (round % 3 == 0 ? 400 : 90))
            let payload = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let command = commands[Int(rng.next() % UInt64(commands.count))]
            let asRequest = ExpectedReply(request: command, payload: payload, expect: commands)
            let reply = ReceivedReply(command: command, payload: payload)
            if asRequest.isAnswered(by: reply) { answered += 1 }
            #expect(!target.isAnswered(by: reply))
        }
        #expect(answered > 0)
    }
}
