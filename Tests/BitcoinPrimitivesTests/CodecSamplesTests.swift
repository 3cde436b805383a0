import Testing
@testable import BitcoinPrimitives

/// Known-good values of every codec, shared by the round-trip and malformed-input tests.
enum CodecSamples {
    /// BIP143, "Native P2WPKH" example, the serialized signed transaction
    /// (bitcoin/bips bip-0143.mediawiki). txid and wtxid computed independently with Bitcoin
    /// Core's functional test framework (PyPI verystable, `CTransaction.rehash()` / `getwtxid()`).
    static let bip143P2WPKHHex =
        "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000049483045022100"
        + "8b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c04"
        + "89bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b9"
        + "0ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac909351"
        + "0d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa6"
        + "10b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02d"
        + "e67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000"
    static let bip143P2WPKHTxid = "e8151a2af31c368a35053ddd4bdb285a8595c769a3ad83e0fa02314a602d4609"
    static let bip143P2WPKHWtxid = "c36c38370907df2324d9ce9d149d191192f338b37665a82e78e76a12c909b762"

    static func segwitTx() throws -> Transaction {
        try Transaction(bytes: try [UInt8](hex: bip143P2WPKHHex))
    }

    /// The mainnet genesis block, assembled from its parts (values as in Bitcoin Core
    /// src/kernel/chainparams.cpp `CreateGenesisBlock`).
    static func genesisBlock() throws -> Block {
        let headline = "The Times 03/Jan/2009 Chancellor on brink of second bailout for banks"
        // scriptSig: push 4 bytes (nBits 0x1d00ffff), push 1 byte (4), push 69 bytes (headline).
        let scriptSig = try [UInt8](hex: "04ffff001d010445") + Array(headline.utf8)
        let pubkey = try [UInt8](hex:
            "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c3"
            + "84df7ba0b8d578a4c702b6bf11d5f")
        let coinbase = Transaction(
            version: 1,
            inputs: [TxIn(previousOutput: .null, scriptSig: scriptSig, sequence: 0xffff_ffff)],
            outputs: [TxOut(value: 50 * 100_000_000, scriptPubKey: [0x41] + pubkey + [0xac])],  // push 65, OP_CHECKSIG
            lockTime: 0)
        let header = BlockHeader(
            version: 1, previousBlockHash: .zero,
            merkleRoot: try Hash256(displayHex: "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"),
            time: 1_231_006_505, bits: 0x1d00_ffff, nonce: 2_083_236_893)
        return Block(header: header, transactions: [coinbase])
    }

    static let genesisHash = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"

    static func hash(_ byte: UInt8) -> Hash256 {
        Hash256(words: (UInt64(byte) * 0x0101_0101_0101_0101, 1, 2, UInt64(byte)))
    }

    /// One sample of every message the codec knows, plus an unknown one.
    static func messages() throws -> [P2PMessage] {
        let version = VersionMessage(
            version: 70016, services: 0x409, timestamp: 1_700_000_000,
            receiver: NetworkAddress(services: 0, ip: IPAddress(ipv4: 127, 0, 0, 1), port: 8333),
            sender: NetworkAddress(services: 0x409, ip: .unspecified, port: 0),
            nonce: 0x0123_4567_89ab_cdef, userAgent: Array("/Satoshi:26.0.0/".utf8), startHeight: 830_000,
            relay: true)
        var noRelay = version
        noRelay.relay = nil
        let genesis = try genesisBlock()
        let inv = [
            Inventory(type: .witnessTx, hash: hash(1)), Inventory(type: .witnessBlock, hash: hash(2)),
            Inventory(type: .wtx, hash: hash(3)), Inventory(type: InventoryType(rawValue: 99), hash: hash(4)),
        ]
        return [
            .version(version), .version(noRelay), .verack, .ping(nonce: 42), .pong(nonce: .max),
            .getheaders(GetHeadersMessage(version: 70016, locator: (0..<101).map { BlockHash(hash(UInt8($0))) })),
            .getheaders(GetHeadersMessage(version: 70016, locator: [], hashStop: BlockHash(hash(7)))),
            .headers([genesis.header, genesis.header]), .headers([]),
            .inv(inv), .getdata(inv), .notfound([]), .block(genesis), .tx(try segwitTx()),
            .tx(genesis.transactions[0]), .sendheaders, .wtxidrelay, .sendaddrv2, .feefilter(feeRate: 1000),
            .addr([AddressEntry(time: 1, services: 9, address: PeerAddress(ipv4: 1, 2, 3, 4, port: 8333))]),
            .addrv2([AddressEntry(time: 2, services: 1 << 40, address: try PeerAddress(network: .torV3, bytes: Array(repeating: 7, count: 32), port: 8333))]),
            .getaddr,
            .unknown(command: try P2PCommand("addrv3"), payload: [1, 2, 3]),
            .unknown(command: try P2PCommand("twelve_chars"), payload: []),
        ]
    }
}

@Suite struct CodecSamplesTests {
    @Test func samplesCoverEveryCommand() throws {
        let known: Set<P2PCommand> = [
            .version, .verack, .ping, .pong, .getheaders, .headers, .inv, .getdata, .notfound, .block, .tx,
            .sendheaders, .wtxidrelay, .sendaddrv2, .feefilter, .addr, .addrv2, .getaddr,
        ]
        let covered = Set(try CodecSamples.messages().map(\.command))
        #expect(known.isSubset(of: covered))
        // Every well-known constant is itself a valid name.
        for c in known { #expect(try P2PCommand(c.name) == c) }
    }
}
