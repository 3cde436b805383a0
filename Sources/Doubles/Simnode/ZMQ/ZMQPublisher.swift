import BitcoinPrimitives
import CZeroMQ
import Foundation

/// Publishes bitcoind's ZMQ notifications on one PUB socket (src/zmq/zmqpublishnotifier.cpp):
/// each message is three frames: topic, body, and a 4-byte little-endian sequence number kept
/// per topic, starting at 0.
///
/// Bodies, as doc/zmq.md specifies:
/// - `hashblock`, `hashtx`: the 32-byte hash in display (RPC) byte order, i.e. reversed.
/// - `rawblock`, `rawtx`: the serialised block or transaction.
/// - `sequence`: the 32-byte hash (display order) then 'C' (block connected) or 'D'
///   (disconnected), or 'A' / 'R' (mempool add / remove) followed by the 8-byte LE mempool sequence.
///
/// A PUB socket never blocks (messages above the high-water mark are dropped, which subscribers
/// detect from the sequence numbers), so sending from the caller's thread is fine.
public final class ZMQPublisher: @unchecked Sendable {
    // @unchecked: the context and socket are used only under `lock`; libzmq sockets may move
    // between threads given a full memory barrier, which the lock provides.
    private let lock = NSLock()
    private var context: UnsafeMutableRawPointer?
    private var socket: UnsafeMutableRawPointer?
    private var sequences: [String: UInt32] = [:]
    /// The endpoint actually bound (resolves a port of 0 or `*`).
    public let endpoint: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Binds a PUB socket.
    /// - Parameter address: a ZMQ endpoint such as `tcp://127.0.0.1:28332`.
    /// - Throws: ``Failure`` with libzmq's message if the socket cannot be created or bound.
    public init(bind address: String) throws(Failure) {
        guard let ctx = zmq_ctx_new() else { throw Failure(description: "zmq_ctx_new failed") }
        guard let sock = zmq_socket(ctx, ZMQ_PUB) else {
            zmq_ctx_term(ctx)
            throw Failure(description: "zmq_socket failed: \(Self.lastError())")
        }
        var linger: Int32 = 0
        zmq_setsockopt(sock, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        guard zmq_bind(sock, address) == 0 else {
            let message = Self.lastError()
            zmq_close(sock)
            zmq_ctx_term(ctx)
            throw Failure(description: "cannot bind ZMQ publisher to \(address): \(message)")
        }
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        if zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 {
            endpoint = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            endpoint = address
        }
        context = ctx
        socket = sock
    }

    deinit { close() }

    /// Closes the socket and terminates the context. Idempotent.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if let socket { zmq_close(socket) }
        if let context { zmq_ctx_term(context) }
        socket = nil
        context = nil
    }

    private static func lastError() -> String { String(cString: zmq_strerror(zmq_errno())) }

    /// Sends one notification: topic, body, then this topic's sequence number (LE), and
    /// increments that number. Send errors are ignored, as bitcoind drops a failing notifier's
    /// message rather than blocking validation.
    public func publish(topic: String, body: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        guard let socket else { return }
        let seq = sequences[topic, default: 0]
        sequences[topic] = seq &+ 1
        var seqBytes = ByteWriter(capacity: 4)
        seqBytes.writeLE(seq)
        let topicBytes = Array(topic.utf8)
        _ = topicBytes.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, ZMQ_SNDMORE) }
        _ = body.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, ZMQ_SNDMORE) }
        _ = seqBytes.bytes.withUnsafeBytes { zmq_send(socket, $0.baseAddress, $0.count, 0) }
    }

    /// A block became the tip: `hashblock` then `rawblock`.
    public func publishTip(_ block: SimBlock) {
        publish(topic: "hashblock", body: block.hash.internalBytes.reversed())
        publish(topic: "rawblock", body: block.serialized)
    }

    /// A block was connected ('C') or disconnected ('D') on the `sequence` topic.
    public func publishSequence(_ hash: BlockHash, connected: Bool) {
        publish(topic: "sequence", body: hash.internalBytes.reversed() + [connected ? 0x43 : 0x44])
    }

    /// A transaction entered ('A') or left ('R') the mempool, with the mempool sequence.
    public func publishMempool(_ txid: Hash256, added: Bool, mempoolSequence: UInt64) {
        var w = ByteWriter(capacity: 41)
        w.writeBytes(txid.internalBytes.reversed())
        w.writeUInt8(added ? 0x41 : 0x52)
        w.writeLE(mempoolSequence)
        publish(topic: "sequence", body: w.bytes)
    }

    /// A transaction was seen (mempool or block): `hashtx` then `rawtx`.
    public func publishTransaction(_ tx: SimTransaction) {
        publish(topic: "hashtx", body: tx.txid.internalBytes.reversed())
        publish(topic: "rawtx", body: tx.bytes)
    }
}
