import Foundation
import NIOCore
import NIOPosix
import Testing

/// A tiny TCP server on 127.0.0.1 that answers every connection's first bytes with a canned,
/// possibly broken, HTTP reply: for testing how the client handles bad servers.
final class RPCFakeServer: Sendable {
    enum Behaviour: Sendable {
        /// Send these bytes, then close if asked.
        case reply(String, close: Bool)
        /// Send a chunked 200 reply of `total` bytes in 1 MiB chunks, stopping when the peer goes.
        case stream(total: Int)
        /// Never answer.
        case silent
    }

    private let channel: any Channel
    private let counter: ByteCounter
    var port: Int { channel.localAddress?.port ?? 0 }
    /// Bytes written to clients so far (for the streaming case).
    var bytesSent: Int { counter.value }
    /// Connections accepted so far.
    var connectionsAccepted: Int { connections.value }
    private let connections: ByteCounter

    /// A thread-safe counter. @unchecked: every access holds the lock.
    final class ByteCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add(_ k: Int) { lock.lock(); n += k; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }

    init(_ behaviour: Behaviour) async throws {
        let counter = ByteCounter()
        let connections = ByteCounter()
        self.counter = counter
        self.connections = connections
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.add(1)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Responder(behaviour, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func close() async { try? await channel.close() }

    static func http(_ status: String, body: String, extraHeaders: String = "") -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + extraHeaders + "Connection: close\r\n\r\n" + body
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let behaviour: Behaviour
        let counter: ByteCounter
        var answered = false

        init(_ behaviour: Behaviour, counter: ByteCounter) {
            self.behaviour = behaviour
            self.counter = counter
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answered else { return }
            answered = true
            switch behaviour {
            case .reply(let text, let close):
                let done = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)))
                if close {
                    let channel = context.channel
                    done.whenComplete { _ in channel.close(promise: nil) }
                }
            case .stream(let total):
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                context.write(wrapOutboundOut(context.channel.allocator.buffer(string: head)), promise: nil)
                let chunk = 1 << 20
                var payload = context.channel.allocator.buffer(capacity: chunk + 16)
                payload.writeString(String(chunk, radix: 16) + "\r\n")
                payload.writeRepeatingByte(UInt8(ascii: "7"), count: chunk)
                payload.writeString("\r\n")
                sendChunks(context: context, payload: payload, remaining: total / chunk)
            case .silent:
                break
            }
        }

        private func sendChunks(context: ChannelHandlerContext, payload: ByteBuffer, remaining: Int) {
            guard remaining > 0 else {
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: "0\r\n\r\n")), promise: nil)
                return
            }
            let size = payload.readableBytes
            context.writeAndFlush(wrapOutboundOut(payload)).assumeIsolated().whenSuccess { [self] in
                counter.add(size)
                sendChunks(context: context, payload: payload, remaining: remaining - 1)
            }
        }
    }
}

/// A port with nothing listening (bound then closed).
func closedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 1
    try await channel.close()
    return port
}

@Suite struct RPCFakeServerTests {
    @Test func fakeServerAnswersWithItsBytes() async throws {
        let server = try await RPCFakeServer(.reply("hello", close: true))
        defer { Task { await server.close() } }
        #expect(server.port > 0)
    }
}
