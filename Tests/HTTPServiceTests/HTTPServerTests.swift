import Foundation
import HTTPService
import Logging
import NIOHTTP1
import TestSupport
import Testing

/// The shared HTTP server over real sockets on 127.0.0.1 and in a temporary directory.
@Suite struct HTTPServerTests {
    /// Echoes method, path and body length; counts the requests it answered.
    static func echo(_ request: HTTPRequest) async -> HTTPResponse {
        .text(.ok, "\(request.method.rawValue) \(request.uri) \(request.body.count)")
    }

    static func start(_ address: HTTPServer.Address = .tcp(host: "127.0.0.1", port: 0), limits: HTTPServer.Limits = .init(),
                      handler: @escaping HTTPServer.Handler = echo) async throws -> HTTPServer {
        try await HTTPServer(address: address, limits: limits, logger: Logger(label: "test.http"), handler: handler)
    }

    /// Runs `body` with a server on 127.0.0.1 and shuts it down afterwards, also on failure.
    static func with(limits: HTTPServer.Limits = .init(), handler: @escaping HTTPServer.Handler = echo,
                     _ body: (HTTPServer) async throws -> Void) async throws {
        let server = try await start(limits: limits, handler: handler)
        do { try await body(server) } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    @Test func keepAliveServesTwoRequestsOnOneConnection() async throws {
        try await Self.with { server in
        let port = UInt16(server.port)
        let (first, second, stillOpen) = try await offPool { () -> (RawResponse?, RawResponse?, Bool) in
            let reader = RawResponseReader(try LoopbackSocket.connect(port: port))
            try reader.socket.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n".bytes)
            let first = try reader.next()
            try reader.socket.send("POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".bytes)
            let second = try reader.next()
            return (first, second, !reader.socket.readable(within: 200))
        }
        #expect(first?.status == 200 && first?.body == "GET /one 0".bytes)
        #expect(first?.headers["connection"] == "keep-alive")
        #expect(second?.status == 200 && second?.body == "POST /two 5".bytes)
        #expect(stillOpen, "the server closed a keep-alive connection after its second answer")
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        // The first answer is the slower one: order comes from the connection, not the handler.
        try await Self.with(handler: { request in
            if request.uri == "/slow" { try? await Task.sleep(for: .milliseconds(200)) }
            return await Self.echo(request)
        }) { server in
        let port = UInt16(server.port)
        let answers = try await offPool { () -> [RawResponse?] in
            let reader = RawResponseReader(try LoopbackSocket.connect(port: port))
            try reader.socket.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".bytes)
            return [try reader.next(), try reader.next(), try reader.closed() ? nil : RawResponse(status: -1, headers: [:], body: [])]
        }
        #expect(answers[0]?.body == "GET /slow 0".bytes)
        #expect(answers[1]?.body == "GET /fast 0".bytes && answers[1]?.headers["connection"] == "close")
        #expect(answers[2] == nil, "the connection stayed open after Connection: close")
        }
    }

    @Test func unixSocketIsOwnerOnlyAndServes() async throws {
        let dir = try TempDir.short()
        defer { dir.cleanup() }
        let path = dir.path + "/http.sock"
        let server = try await Self.start(.unix(path: path))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let answer = try await offPool {
            let reader = RawResponseReader(try LoopbackSocket.connect(unixPath: path))
            try reader.socket.send("POST /call HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc".bytes)
            return try reader.next()
        }
        #expect(answer?.status == 200 && answer?.body == "POST /call 3".bytes)
        await server.shutdown()
        #expect(throws: LoopbackSocket.Failure.self) { try LoopbackSocket.connect(unixPath: path) }
    }

    @Test func gracefulShutdownFinishesTheRequestInFlightAndStopsAccepting() async throws {
        let started = AsyncStream<Void>.makeStream()
        let server = try await Self.start { request in
            started.continuation.yield()
            try? await Task.sleep(for: .milliseconds(300))
            return await Self.echo(request)
        }
        let port = UInt16(server.port)
        async let answer = offPool {
            let reader = RawResponseReader(try LoopbackSocket.connect(port: port))
            try reader.socket.send("GET /inflight HTTP/1.1\r\nHost: x\r\n\r\n".bytes)
            return (try reader.next(), try reader.closed())
        }
        var iterator = started.stream.makeAsyncIterator()
        _ = await iterator.next()
        let began = ContinuousClock.now
        await server.shutdown()
        let waited = ContinuousClock.now - began
        let (response, closedAfter) = try await answer
        #expect(response?.status == 200 && response?.body == "GET /inflight 0".bytes)
        #expect(response?.headers["connection"] == "close", "a response during shutdown must close its connection")
        #expect(closedAfter)
        #expect(waited >= .milliseconds(150), "shutdown returned before the request in flight was answered")
        #expect(server.openConnections == 0)
        #expect(throws: LoopbackSocket.Failure.self) { try LoopbackSocket.connect(port: port) }
    }
}
