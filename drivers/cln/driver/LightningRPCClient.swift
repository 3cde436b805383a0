import CLNDriverCore
import JSON
import NIOCore
import NIOPosix

/// lightningd's JSON-RPC socket (`lightning-rpc`): one connection per call, a deadline on each.
/// The node key stays in lightningd: the driver only asks it to list peers and send messages.
struct LightningRPCClient: Sendable {
    /// The socket's path.
    let path: String
    /// Longest wait for a reply.
    var timeout: Duration = .seconds(10)

    /// Calls one method.
    /// - Returns: its result.
    /// - Throws: ``CLNError`` (lightningd's error, no reply, unreadable) or the socket's error.
    func call(_ method: String, _ params: JSONValue) async throws -> JSONValue {
        let id = "altnet-cln:\(method):\(UInt64.random(in: 0 ... .max))"
        let request = LightningRPCCodec.request(id: id, method: method, params: params)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let raw = channel.channel
        let timeout = self.timeout
        let deadline = Task {
            try await Task.sleep(for: timeout)
            raw.close(promise: nil)
        }
        defer { deadline.cancel() }
        let reply: [UInt8]? = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: request))
            var framer = JSONObjectFramer(maxObjectBytes: LightningRPCCodec.maxReplyBytes)
            for try await chunk in inbound {
                for event in framer.append(Array(chunk.readableBytesView)) {
                    switch event {
                    case .object(let bytes): return bytes
                    case .oversized(let count): throw CLNError("a reply of \(count) bytes from lightningd, more than \(LightningRPCCodec.maxReplyBytes)")
                    case .stray: continue
                    }
                }
            }
            return nil
        }
        guard let reply else { throw CLNError("lightningd closed \(path) without answering \(method) (within \(timeout))") }
        return try LightningRPCCodec.result(of: reply, id: id)
    }
}
