/// Limits for decoding transactions from untrusted bytes.
public enum TransactionLimits {
    /// A transaction cannot exceed a block's serialised size (Core `MAX_BLOCK_SERIALIZED_SIZE`,
    /// src/consensus/consensus.h: 4,000,000 bytes).
    public static let maxSerializedSize = 4_000_000
    /// Smallest encodings, used to bound counts by the bytes left before allocating:
    /// input = outpoint 36 + script length 1 + sequence 4; output = value 8 + script length 1.
    static let minInputSize = 41
    static let minOutputSize = 9
}

extension Transaction {
    /// Parses one transaction from the reader, as Core's `UnserializeTransaction` does.
    ///
    /// The BIP144 ambiguity: after the version, a 0x00 byte is either the marker of the witness
    /// serialisation or an empty input list. Like Core with witness allowed, an empty input list
    /// is followed by a flags byte: flags 0 means "no outputs either", flags with bit 0 set means
    /// witness data follows. So a transaction with no inputs but with outputs, serialised without
    /// witness, does not decode back to itself with `allowWitness: true` (use `false` for it).
    ///
    /// - Parameters:
    ///   - reader: the input, positioned at the transaction.
    ///   - allowWitness: false reads the legacy format only (Core's `TX_NO_WITNESS`).
    /// - Throws: ``DecodingError`` on truncation, counts larger than the remaining bytes allow,
    ///   a witness flag with all witnesses empty ("superfluous witness record") or unknown flags.
    public init(from reader: inout ByteReader, allowWitness: Bool = true) throws(DecodingError) {
        version = try reader.readLE()
        var inputs = try Self.readInputs(&reader)
        var outputs: [TxOut] = []
        var flags: UInt8 = 0
        let flagsOffset = reader.offset
        if inputs.isEmpty && allowWitness {
            flags = try reader.readUInt8()
            if flags != 0 {
                inputs = try Self.readInputs(&reader)
                outputs = try Self.readOutputs(&reader)
            }
        } else {
            outputs = try Self.readOutputs(&reader)
        }
        if flags & 1 != 0 && allowWitness {
            flags ^= 1
            for i in inputs.indices {
                let n = try reader.readCount("witness items", limit: TransactionLimits.maxSerializedSize)
                var stack: [[UInt8]] = []
                stack.reserveCapacity(n)
                for _ in 0..<n {
                    stack.append(Array(try reader.readVarBytes("witness item", limit: TransactionLimits.maxSerializedSize)))
                }
                inputs[i].witness = stack
            }
            if !inputs.contains(where: { !$0.witness.isEmpty }) {
                throw DecodingError(.invalid("superfluous witness record: every witness is empty"), at: reader.offset)
            }
        }
        if flags != 0 {
            throw DecodingError(.invalid("unknown transaction optional data (flags 0x\(Hex.encode([flags])))"), at: flagsOffset)
        }
        lockTime = try reader.readLE()
        self.inputs = inputs
        self.outputs = outputs
    }

    /// Parses exactly one transaction (a `tx` message payload or a raw transaction).
    /// - Throws: ``DecodingError``, including for input above 4,000,000 bytes (checked first)
    ///   and for trailing bytes.
    public init(bytes: ArraySlice<UInt8>, allowWitness: Bool = true) throws(DecodingError) {
        guard bytes.count <= TransactionLimits.maxSerializedSize else {
            throw DecodingError(
                .tooLarge(field: "transaction size", value: UInt64(bytes.count), limit: UInt64(TransactionLimits.maxSerializedSize)),
                at: 0)
        }
        var r = ByteReader(bytes)
        try self.init(from: &r, allowWitness: allowWitness)
        try r.expectEnd()
    }

    /// Parses exactly one transaction. - Throws: ``DecodingError``.
    public init(bytes: [UInt8], allowWitness: Bool = true) throws(DecodingError) {
        try self.init(bytes: bytes[...], allowWitness: allowWitness)
    }

    private static func readInputs(_ r: inout ByteReader) throws(DecodingError) -> [TxIn] {
        let n = try r.readCount("inputs", limit: TransactionLimits.maxSerializedSize, minElementSize: TransactionLimits.minInputSize)
        var out: [TxIn] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            let prev = OutPoint(txid: Txid(try r.readHash256()), index: try r.readLE())
            let script = Array(try r.readVarBytes("scriptSig", limit: TransactionLimits.maxSerializedSize))
            out.append(TxIn(previousOutput: prev, scriptSig: script, sequence: try r.readLE()))
        }
        return out
    }

    private static func readOutputs(_ r: inout ByteReader) throws(DecodingError) -> [TxOut] {
        let n = try r.readCount("outputs", limit: TransactionLimits.maxSerializedSize, minElementSize: TransactionLimits.minOutputSize)
        var out: [TxOut] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            let value = try r.readInt64LE()
            let script = Array(try r.readVarBytes("scriptPubKey", limit: TransactionLimits.maxSerializedSize))
            out.append(TxOut(value: value, scriptPubKey: script))
        }
        return out
    }

    /// Writes the transaction. The witness serialisation (marker 0x00, flag 0x01, then one stack
    /// per input) is used only when requested and some input has witness data, as in Core.
    public func write(to w: inout ByteWriter, includingWitness: Bool = true) {
        let witness = includingWitness && hasWitness
        w.writeLE(version)
        if witness {
            w.writeUInt8(0)  // marker: an empty input list to legacy parsers
            w.writeUInt8(1)  // flag
        }
        w.writeCompactSize(inputs.count)
        for i in inputs {
            w.writeHash256(i.previousOutput.txid.hash)
            w.writeLE(i.previousOutput.index)
            w.writeVarBytes(i.scriptSig)
            w.writeLE(i.sequence)
        }
        w.writeCompactSize(outputs.count)
        for o in outputs {
            w.writeLE(UInt64(bitPattern: o.value))
            w.writeVarBytes(o.scriptPubKey)
        }
        if witness {
            for i in inputs {
                w.writeCompactSize(i.witness.count)
                for item in i.witness { w.writeVarBytes(item) }
            }
        }
        w.writeLE(lockTime)
    }

    /// The serialised bytes.
    /// - Parameter includingWitness: false gives the form the txid hashes.
    public func serialized(includingWitness: Bool = true) -> [UInt8] {
        var w = ByteWriter(capacity: 64 + 64 * inputs.count + 40 * outputs.count)
        write(to: &w, includingWitness: includingWitness)
        return w.bytes
    }
}
