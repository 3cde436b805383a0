import BitcoinPrimitives

/// One decoded bitcoind ZMQ message: its topic, its per-topic publisher sequence number and the
/// typed body.
public struct ZMQMessage: Sendable, Equatable {
    public var topic: ZMQTopic
    /// The 4-byte little-endian counter bitcoind appends as the last frame. Each notifier
    /// (topic and address) counts from 0 from bitcoind's start, so gaps mean lost messages.
    public var sequence: UInt32
    public var notification: ZMQNotification

    public init(topic: ZMQTopic, sequence: UInt32, notification: ZMQNotification) {
        self.topic = topic
        self.sequence = sequence
        self.notification = notification
    }
}

/// The body of a bitcoind ZMQ message, decoded.
public enum ZMQNotification: Sendable, Equatable {
    /// `hashblock`: the new tip's hash (the body is in RPC display order; converted here).
    case hashBlock(BlockHash)
    /// `rawblock`: the new tip's serialised block; its header is parsed, the rest kept as bytes.
    case rawBlock(RawBlock)
    /// `hashtx`: a transaction id (display order on the wire; converted here).
    case hashTx(Hash256)
    /// `rawtx`: a serialised transaction, not parsed here.
    case rawTx([UInt8])
    /// `sequence`: block connect/disconnect and mempool add/remove, in bitcoind's order.
    case sequence(ZMQSequenceEvent)
}

/// A serialised block from the `rawblock` topic, with its header parsed.
public struct RawBlock: Sendable, Equatable {
    public var header: BlockHeader
    /// The whole serialised block, header included.
    public var bytes: [UInt8]
    public var hash: BlockHash { header.hash }

    public init(header: BlockHeader, bytes: [UInt8]) {
        self.header = header
        self.bytes = bytes
    }
}

/// The `sequence` topic's body: `<32-byte hash><label>` with label `C` (block connected) or `D`
/// (block disconnected), or `<32-byte hash><label><8-byte LE mempool sequence>` with label `A`
/// (transaction added to the mempool) or `R` (removed for a reason other than block inclusion).
/// Hashes are in display order on the wire, as in `hashblock`.
public enum ZMQSequenceEvent: Sendable, Equatable {
    case blockConnected(BlockHash)
    case blockDisconnected(BlockHash)
    case transactionAdded(txid: Hash256, mempoolSequence: UInt64)
    case transactionRemoved(txid: Hash256, mempoolSequence: UInt64)
}
