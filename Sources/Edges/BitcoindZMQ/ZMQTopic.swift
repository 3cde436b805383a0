/// The topics bitcoind publishes over ZMQ (`-zmqpub<topic>=address`, bitcoin/bitcoin doc/zmq.md).
///
/// The raw value is the exact first frame bitcoind sends (no NUL terminator). altnet needs
/// `hashblock`, `rawblock` and `sequence`; the two transaction topics decode too so that one
/// subscriber can serve a future consumer.
public enum ZMQTopic: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case hashBlock = "hashblock"
    case rawBlock = "rawblock"
    case sequence = "sequence"
    case hashTx = "hashtx"
    case rawTx = "rawtx"

    /// The topic frame's bytes.
    public var frame: [UInt8] { Array(rawValue.utf8) }

    public var description: String { rawValue }
}
