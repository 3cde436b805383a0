/// A reference to an output of an earlier transaction.
public struct OutPoint: Hashable, Sendable {
    public static let size = 36
    public var txid: Txid
    public var index: UInt32

    public init(txid: Txid, index: UInt32) {
        self.txid = txid
        self.index = index
    }

    /// The null outpoint a coinbase input spends: zero txid, index 0xffffffff.
    public static let null = OutPoint(txid: .zero, index: .max)
    public var isNull: Bool { self == .null }
}

/// A transaction input.
public struct TxIn: Hashable, Sendable {
    public var previousOutput: OutPoint
    public var scriptSig: [UInt8]
    public var sequence: UInt32
    /// BIP141 witness stack; empty when the input has none.
    public var witness: [[UInt8]]

    public init(previousOutput: OutPoint, scriptSig: [UInt8], sequence: UInt32, witness: [[UInt8]] = []) {
        self.previousOutput = previousOutput
        self.scriptSig = scriptSig
        self.sequence = sequence
        self.witness = witness
    }
}

/// A transaction output.
public struct TxOut: Hashable, Sendable {
    /// Amount in satoshis. Signed as in Core (`CAmount`); consensus range checks are not a
    /// parsing concern.
    public var value: Int64
    public var scriptPubKey: [UInt8]

    public init(value: Int64, scriptPubKey: [UInt8]) {
        self.value = value
        self.scriptPubKey = scriptPubKey
    }
}

/// A Bitcoin transaction, with or without witness data.
///
/// Parsing and serialising follow Bitcoin Core's `UnserializeTransaction` /
/// `SerializeTransaction` (src/primitives/transaction.h), including BIP144's marker and flag.
/// See `Transaction+Coding.swift`.
public struct Transaction: Hashable, Sendable {
    public var version: UInt32
    public var inputs: [TxIn]
    public var outputs: [TxOut]
    public var lockTime: UInt32

    public init(version: UInt32, inputs: [TxIn], outputs: [TxOut], lockTime: UInt32) {
        self.version = version
        self.inputs = inputs
        self.outputs = outputs
        self.lockTime = lockTime
    }

    /// True if any input carries witness data (then the witness serialisation is used).
    public var hasWitness: Bool { inputs.contains { !$0.witness.isEmpty } }

    /// A coinbase has exactly one input, spending the null outpoint.
    public var isCoinbase: Bool { inputs.count == 1 && inputs[0].previousOutput.isNull }

    /// sha256d of the serialisation without witness.
    public var txid: Txid { Txid(Hash256.sha256d(of: serialized(includingWitness: false))) }

    /// sha256d of the serialisation with witness (the txid when there is none).
    public var wtxid: Wtxid { Wtxid(Hash256.sha256d(of: serialized(includingWitness: true))) }
}
