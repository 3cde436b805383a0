import BitcoinPrimitives
import CZeroMQ
import Foundation
import Simnode
import TestSupport
import Testing

/// A blocking libzmq SUB socket for tests (receives whole multipart messages).
/// @unchecked Sendable: used by one test at a time, its blocking receives run off the
/// cooperative pool (``offPool(_:)``) one after another.
final class TestSubscriber: @unchecked Sendable {
    private let context: UnsafeMutableRawPointer
    private let socket: UnsafeMutableRawPointer

    init?(connect endpoint: String) {
        guard let ctx = zmq_ctx_new() else { return nil }
        guard let sock = zmq_socket(ctx, ZMQ_SUB) else { zmq_ctx_term(ctx); return nil }
        context = ctx
        socket = sock
        var timeout: Int32 = 3000
        zmq_setsockopt(sock, ZMQ_RCVTIMEO, &timeout, MemoryLayout<Int32>.size)
        var linger: Int32 = 0
        zmq_setsockopt(sock, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0)
        zmq_connect(sock, endpoint)
    }

    deinit {
        zmq_close(socket)
        zmq_ctx_term(context)
    }

    /// The next multipart message, or nil on timeout.
    func receive() -> [[UInt8]]? {
        var parts: [[UInt8]] = []
        repeat {
            var msg = zmq_msg_t()
            zmq_msg_init(&msg)
            defer { zmq_msg_close(&msg) }
            guard zmq_msg_recv(&msg, socket, 0) >= 0 else { return nil }
            let size = zmq_msg_size(&msg)
            let data = zmq_msg_data(&msg)
            parts.append(size == 0 ? [] : Array(UnsafeRawBufferPointer(start: data, count: size)))
        } while more()
        return parts
    }

    private func more() -> Bool {
        var flag: Int32 = 0
        var size = MemoryLayout<Int32>.size
        zmq_getsockopt(socket, ZMQ_RCVMORE, &flag, &size)
        return flag != 0
    }
}

/// simnode publishes bitcoind's ZMQ frames: topic, body, 4-byte LE per-topic sequence.
@Suite struct SimnodeZMQTests {
    @Test func blocksAndReorgsAsBitcoindPublishesThem() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        var config = SimnodeServer.Configuration(datadir: dir.path)
        config.zmqPub = "tcp://127.0.0.1:0"
        let server = try await SimnodeServer.start(config)
        defer { Task { await server.shutdown() } }
        let endpoint = try #require(server.zmqEndpoint)
        let sub = try #require(TestSubscriber(connect: endpoint))
        try await Task.sleep(for: .milliseconds(300))  // ZMQ slow joiner

        let mined = try await server.node.call("simgenerate", params: .array([.int(2)]))
        guard case .array(let hashes) = mined, case .string(let second) = hashes[1] else {
            Issue.record("simgenerate returned \(mined)")
            return
        }
        var messages: [[[UInt8]]] = []
        while messages.count < 2 * 5, let m = try await offPool({ sub.receive() }) { messages.append(m) }
        let topics = messages.map { String(decoding: $0[0], as: UTF8.self) }
        // Per block: hashtx, rawtx (coinbase), sequence C, hashblock, rawblock.
        #expect(topics == Array(repeating: ["hashtx", "rawtx", "sequence", "hashblock", "rawblock"], count: 2).flatMap { $0 })
        #expect(messages.allSatisfy { $0.count == 3 && $0[2].count == 4 })
        let hashblocks = messages.filter { $0[0] == Array("hashblock".utf8) }
        #expect(hashblocks.map { $0[2] } == [[0, 0, 0, 0], [1, 0, 0, 0]])
        // hashblock body: display byte order, i.e. the bytes of the RPC hex.
        #expect(hashblocks[1][1].hex == second)
        let raw = try #require(messages.last { $0[0] == Array("rawblock".utf8) })
        #expect(try BlockHeader(bytes: raw[1].prefix(80)).hash.displayHex == second)
        let connect = try #require(messages.last { $0[0] == Array("sequence".utf8) })
        #expect(connect[1].count == 33 && connect[1].last == UInt8(ascii: "C"))
        #expect(Array(connect[1].prefix(32)).hex == second)

        // A heavier branch from one below the tip: D for the old tip, C for each new block,
        // then one hashblock for the new tip.
        _ = try await server.node.call("simfork", params: .array([.int(1), .int(2)]))
        var reorg: [[[UInt8]]] = []
        while let m = try await offPool({ sub.receive() }), reorg.count < 30 {
            reorg.append(m)
            if m[0] == Array("rawblock".utf8) { break }
        }
        let sequence = reorg.filter { $0[0] == Array("sequence".utf8) }.map { Character(UnicodeScalar($0[1][32])) }
        #expect(sequence == ["D", "C", "C"])
        #expect(reorg.filter { $0[0] == Array("hashblock".utf8) }.count == 1)
        let seqNumbers = reorg.filter { $0[0] == Array("sequence".utf8) }.map { UInt32($0[2][0]) }
        #expect(seqNumbers == [2, 3, 4])
    }
}
