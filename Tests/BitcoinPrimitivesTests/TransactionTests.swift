import Testing
@testable import BitcoinPrimitives

@Suite struct TransactionTests {
    @Test func bip143SegwitTransaction() throws {
        let bytes = try [UInt8](hex: CodecSamples.bip143P2WPKHHex)
        let tx = try Transaction(bytes: bytes)
        #expect(tx.version == 1)
        #expect(tx.inputs.count == 2)
        #expect(tx.outputs.count == 2)
        #expect(tx.lockTime == 0x11)
        #expect(tx.hasWitness)
        #expect(tx.inputs[0].witness.isEmpty)  // the P2PK input
        #expect(tx.inputs[1].witness.count == 2)  // P2WPKH: signature, pubkey
        #expect(tx.outputs[0].value == 112_340_000)
        #expect(tx.txid.displayHex == CodecSamples.bip143P2WPKHTxid)
        #expect(tx.wtxid.displayHex == CodecSamples.bip143P2WPKHWtxid)
        #expect(tx.serialized() == bytes)
        // The txid is the hash of the stripped form (233 bytes), the wtxid of the full one (343).
        #expect(tx.serialized(includingWitness: false).count == 233)
        #expect(bytes.count == 343)
        #expect(try Transaction(bytes: tx.serialized(includingWitness: false)).txid == tx.txid)
    }

    @Test func legacyTransactionHasEqualTxidAndWtxid() throws {
        let coinbase = try CodecSamples.genesisBlock().transactions[0]
        #expect(!coinbase.hasWitness)
        #expect(coinbase.isCoinbase)
        #expect(coinbase.txid.hash == coinbase.wtxid.hash)
        // The genesis coinbase txid is the genesis merkle root.
        #expect(coinbase.txid.displayHex == "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")
        #expect(try Transaction(bytes: coinbase.serialized()) == coinbase)
    }

    /// BIP144's ambiguity: version, then 0x00 is read as an empty input list, and the next byte
    /// as flags. As in Core with witness allowed, a zero-input transaction with outputs,
    /// serialised without witness, therefore does not decode to itself; the legacy-only decoder
    /// reads it. A zero-input, zero-output transaction reads the same both ways.
    @Test func zeroInputAmbiguity() throws {
        let out = TxOut(value: 1, scriptPubKey: [0x51])
        let tx = Transaction(version: 2, inputs: [], outputs: [out], lockTime: 0)
        let bytes = tx.serialized()
        #expect(bytes.hex == "02000000" + "00" + "01" + "0100000000000000" + "0151" + "00000000")
        // Witness allowed: 0x00 = no inputs, 0x01 = flags (witness), then inputs are read from
        // the output's bytes: count 1, a 36-byte outpoint that is not there.
        #expect(throws: DecodingError.self) { try Transaction(bytes: bytes) }
        #expect(try Transaction(bytes: bytes, allowWitness: false) == tx)

        let empty = Transaction(version: 2, inputs: [], outputs: [], lockTime: 7)
        #expect(empty.serialized().hex == "02000000" + "00" + "00" + "07000000")
        #expect(try Transaction(bytes: empty.serialized()) == empty)
        #expect(try Transaction(bytes: empty.serialized(), allowWitness: false) == empty)
    }

    @Test func superfluousWitnessAndUnknownFlagsAreRefused() throws {
        // marker, flag, one input with an empty witness: Core's "Superfluous witness record".
        let input = TxIn(previousOutput: OutPoint(txid: .zero, index: 0), scriptSig: [], sequence: 0)
        let stripped = Transaction(version: 1, inputs: [input], outputs: [], lockTime: 0).serialized()
        var w = ByteWriter()
        w.writeBytes(stripped[0..<4])
        w.writeBytes([0x00, 0x01])
        w.writeBytes(stripped[4..<(stripped.count - 4)])
        w.writeCompactSize(0)  // empty witness for the one input
        w.writeBytes(stripped[(stripped.count - 4)...])
        #expect(throws: DecodingError.self) { try Transaction(bytes: w.bytes) }
        // Flags 0x02: Core's "Unknown transaction optional data".
        var flags2 = w.bytes
        flags2[5] = 0x02
        #expect(throws: DecodingError.self) { try Transaction(bytes: flags2) }
    }

    @Test func truncatedAtEveryOffset() throws {
        let bytes = try [UInt8](hex: CodecSamples.bip143P2WPKHHex)
        for cut in 0..<bytes.count {
            #expect(throws: DecodingError.self, "cut at \(cut)") { try Transaction(bytes: bytes[0..<cut]) }
        }
    }

    @Test func hugeCountsFailWithoutAllocating() throws {
        var w = ByteWriter()
        w.writeLE(UInt32(1))
        w.writeCompactSize(UInt64(1) << 62)  // inputs
        #expect(throws: DecodingError.self) { try Transaction(bytes: w.bytes) }
        // A witness stack claiming a billion items.
        var t = try CodecSamples.segwitTx()
        t.inputs[0].witness = [[1]]
        var bytes = t.serialized()
        let stripped = t.serialized(includingWitness: false)
        // Witness section begins after the stripped body (minus lock time) plus marker and flag.
        let witnessStart = stripped.count - 4 + 2
        #expect(bytes[witnessStart] == 1)  // first input's stack: one item
        bytes.replaceSubrange(witnessStart...witnessStart, with: [0xfe, 0x00, 0xca, 0x9a, 0x3b])  // 1e9
        #expect(throws: DecodingError.self) { try Transaction(bytes: bytes) }
    }

    @Test func oversizedInputRefusedFirst() {
        let big = [UInt8](repeating: 0, count: TransactionLimits.maxSerializedSize + 1)
        #expect(throws: DecodingError(.tooLarge(field: "transaction size", value: 4_000_001, limit: 4_000_000), at: 0)) {
            try Transaction(bytes: big)
        }
    }

    @Test func txidDisplayOrder() throws {
        let id = try Txid(displayHex: CodecSamples.bip143P2WPKHTxid)
        #expect(id.internalBytes.first == 0x09)  // display order is the reverse of wire order
        #expect(id.description == CodecSamples.bip143P2WPKHTxid)
    }
}
