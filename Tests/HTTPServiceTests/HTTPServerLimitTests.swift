import Foundation
import HTTPService
import TestSupport
import Testing

/// What one client may cost the shared server: head and body caps (refused before they are
/// buffered), the per-request deadline and the connection cap.
@Suite struct HTTPServerLimitTests {
    static let small = HTTPServer.Limits(maxHeaderBytes: 1024, maxBodyBytes: 2048, requestTimeout: .milliseconds(600), maxConnections: 2)
    /// The same caps with time to drip a request in.
    static let patient = HTTPServer.Limits(maxHeaderBytes: 1024, maxBodyBytes: 2048, requestTimeout: .seconds(30), maxConnections: 2)

    /// Sends `chunks` one at a time, waiting after each for the server to answer; returns the
    /// response (nil: closed without one) and how many chunks went out before it came.
    static func dripUntilAnswered(port: UInt16, _ first: String, chunks: [[UInt8]]) async throws -> (RawResponse?, Int, Bool) {
        try await offPool {
            let reader = RawResponseReader(try LoopbackSocket.connect(port: port))
            try reader.socket.send(first.bytes)
            var sent = 0
            for chunk in chunks {
                if reader.socket.readable(within: 300) { break }
                try reader.socket.send(chunk)
                sent += 1
            }
            let response = try reader.next()
            return (response, sent, try reader.closed())
        }
    }

    @Test func oversizedHeadIsRefusedWith431BeforeItIsBuffered() async throws {
        try await HTTPServerTests.with(limits: Self.patient) { server in
            let line = Array("X-Filler: \(String(repeating: "a", count: 500))\r\n".utf8)
            let (response, sent, closed) = try await Self.dripUntilAnswered(
                port: UInt16(server.port), "GET / HTTP/1.1\r\nHost: x\r\n", chunks: Array(repeating: line, count: 40))
            #expect(response?.status == 431)
            #expect(closed)
            // 1,024 bytes allowed: the third 512-byte line crosses it; the other 37 were never sent.
            #expect(sent <= 3, "the server read \(sent) lines of 512 bytes before refusing a 1 KiB head")
        }
    }

    @Test func declaredOversizedBodyIsRefusedWith413BeforeAnyBodyByte() async throws {
        try await HTTPServerTests.with(limits: Self.small) { server in
            let (response, sent, closed) = try await Self.dripUntilAnswered(
                port: UInt16(server.port), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n",
                chunks: [Array(repeating: 0x61, count: 512)])
            #expect(response?.status == 413)
            #expect(sent == 0, "the 413 came only after body bytes were sent")
            #expect(closed)
        }
    }

    @Test func chunkedBodyOverTheCapIsRefusedWith413() async throws {
        var handled = 0
        let counter = Counter()
        try await HTTPServerTests.with(limits: Self.patient, handler: { request in
            await counter.add()
            return await HTTPServerTests.echo(request)
        }) { server in
            let chunk = Array("200\r\n\(String(repeating: "b", count: 512))\r\n".utf8)
            let (response, sent, closed) = try await Self.dripUntilAnswered(
                port: UInt16(server.port), "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
                chunks: Array(repeating: chunk, count: 40))
            #expect(response?.status == 413)
            #expect(closed)
            #expect(sent <= 5, "the server took \(sent) chunks of 512 bytes against a 2 KiB cap")
            handled = await counter.value
        }
        #expect(handled == 0, "the handler saw a request whose body was over the cap")
    }

    @Test func malformedRequestGets400AndIsClosed() async throws {
        try await HTTPServerTests.with(limits: Self.patient) { server in
            let port = UInt16(server.port)
            let (response, closed) = try await offPool {
                let reader = RawResponseReader(try LoopbackSocket.connect(port: port))
                try reader.socket.send("GET / HTTP/1.1\r\nHost x\r\n\r\n".bytes)
                return (try reader.next(), try reader.closed())
            }
            #expect(response?.status == 400)
            #expect(closed)
        }
    }

    @Test func bodyAtTheCapIsServed() async throws {
        try await HTTPServerTests.with(limits: Self.small) { server in
            let port = UInt16(server.port)
            let response = try await offPool {
                let reader = RawResponseReader(try LoopbackSocket.connect(port: port))
                try reader.socket.send(("POST /full HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" + String(repeating: "c", count: 2048)).bytes)
                return try reader.next()
            }
            #expect(response?.status == 200 && response?.body == "POST /full 2048".bytes)
        }
    }

    @Test func slowAndIdleClientsAreClosedAfterTheRequestTimeout() async throws {
        try await HTTPServerTests.with(limits: Self.small) { server in
            let port = UInt16(server.port)
            // One byte of head every 100 ms: always sending, never finishing.
            let (dripClosedAfter, answered) = try await offPool { () -> (Duration, Bool) in
                let socket = try LoopbackSocket.connect(port: port)
                let start = ContinuousClock.now
                try socket.send("GET / HTTP/1.1\r\nX-Slow: ".bytes)
                while ContinuousClock.now - start < .seconds(10) {
                    if socket.readable(within: 100) {
                        let bytes = (try? socket.receive()) ?? []
                        return (ContinuousClock.now - start, !bytes.isEmpty)
                    }
                    do { try socket.send("a".bytes) } catch { return (ContinuousClock.now - start, false) }
                }
                return (.seconds(10), false)
            }
            #expect(!answered, "a dripping client got an answer instead of a close")
            #expect(dripClosedAfter >= .milliseconds(550) && dripClosedAfter < .seconds(5), "closed after \(dripClosedAfter)")
            // Idle after a keep-alive answer: closed too.
            let idleClosedAfter = try await offPool { () -> Duration in
                let reader = RawResponseReader(try LoopbackSocket.connect(port: port))
                try reader.socket.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".bytes)
                _ = try reader.next()
                let start = ContinuousClock.now
                _ = try reader.closed()
                return ContinuousClock.now - start
            }
            #expect(idleClosedAfter >= .milliseconds(500) && idleClosedAfter < .seconds(5), "closed after \(idleClosedAfter)")
        }
    }

    @Test func connectionsBeyondTheCapAreClosed() async throws {
        try await HTTPServerTests.with(limits: Self.patient) { server in
            let port = UInt16(server.port)
            let (thirdClosed, firstStillServes, open) = try await offPool { () -> (Bool, Bool, Int) in
                // Two connections that completed a request (proven: not evictable) hold both slots.
                let held = try (0..<2).map { _ in RawResponseReader(try LoopbackSocket.connect(port: port)) }
                for reader in held {
                    try reader.socket.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".bytes)
                    _ = try reader.next()
                }
                let third = RawResponseReader(try LoopbackSocket.connect(port: port))
                try? third.socket.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n".bytes)
                let thirdClosed = try third.closed()
                try held[0].socket.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n".bytes)
                return (thirdClosed, try held[0].next()?.status == 200, server.openConnections)
            }
            #expect(thirdClosed, "a third connection was served with a cap of two")
            #expect(firstStillServes)
            #expect(open == 2)
        }
    }
}

/// A count shared with a handler.
actor Counter {
    private(set) var value = 0
    func add() { value += 1 }
}
