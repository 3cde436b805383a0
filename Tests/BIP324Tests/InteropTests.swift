import BIP324
import BitcoinPrimitives
import Foundation
import Testing
import TestSupport

/// Interop over 127.0.0.1 TCP against Bitcoin Core's functional-test BIP324 code (PyPI
/// verystable), driven by integration/bip324_peer.py. Both directions: the Python peer as
/// initiator against our responder, and as responder against our initiator. Each side sends
/// version, verack, ping and a 2,000-header headers message and answers the other's ping.
@Suite("BIP324 interop with verystable", .serialized)
struct InteropTests {
    static let pingNonce: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    static let userAgent = "/altnet-bip324-test:0.1/"

    @Test("verystable initiator -> our responder")
    func pythonInitiates() throws {
        let (listener, port) = try LoopbackSocket.listen()
        defer { listener.close() }
        let peer = try PythonPeer(arguments: ["initiator", String(port)])
        defer { peer.stop() }
        let socket: LoopbackSocket
        do {
            socket = try listener.accept(while: { peer.process.isRunning })
        } catch {
            // The peer gave up before connecting: its own report says why (verystable missing...).
            _ = try peer.finish()
            throw error
        }
        defer { socket.close() }
        var transport = try BIP324Transport(role: .responder, networkMagic: Fixture.regtestMagic)
        try Self.converse(socket: socket, transport: &transport, peer: peer)
    }

    @Test("our initiator -> verystable responder")
    func weInitiate() throws {
        let peer = try PythonPeer(arguments: ["responder"])
        defer { peer.stop() }
        let first = try peer.readLine()
        let port = try #require((first["port"] as? NSNumber)?.uint16Value, "no port from the Python peer: \(first)")
        let socket = try LoopbackSocket.connect(port: port)
        defer { socket.close() }
        var transport = try BIP324Transport(role: .initiator, networkMagic: Fixture.regtestMagic)
        try Self.converse(socket: socket, transport: &transport, peer: peer)
    }

    /// Our side of the conversation, then the cross-checks against the Python peer's summary.
    static func converse(socket: LoopbackSocket, transport: inout BIP324Transport, peer: PythonPeer) throws {
        let headersFile = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        let ourHeaders = try (0..<2000).map { try BlockHeader(bytes: headersFile[($0 * 80)..<($0 * 80 + 80)]) }
        var headersPayload = ByteWriter()
        headersPayload.writeCompactSize(ourHeaders.count)
        for h in ourHeaders { headersPayload.writeBytes(h.serialized); headersPayload.writeUInt8(0) }

        for m in [
            BIP324Message(command: "version", payload: versionPayload()),
            BIP324Message(command: "verack", payload: []),
            BIP324Message(command: "ping", payload: pingNonce),
            BIP324Message(command: "headers", payload: headersPayload.bytes),
        ] { try transport.send(m) }

        var sessionID: [UInt8]?
        var theirVersion: (version: Int32, userAgent: String)?
        var gotVerack = false, gotPong = false, answeredPing = false
        var theirHeaders: [BlockHeader]?
        while !(theirVersion != nil && gotVerack && gotPong && answeredPing && theirHeaders != nil) {
            if transport.hasBytesToSend { try socket.send(transport.takeBytesToSend()) }
            let bytes = try socket.receive()
            if bytes.isEmpty {
                let summary = try? peer.finish()
                Issue.record("the Python peer closed the connection early: \(summary.map { "\($0)" } ?? "no output")")
                return
            }
            for event in try transport.receive(bytes) {
                switch event {
                case .handshakeComplete(let sid): sessionID = sid
                case .message(let m) where m.command == "version": theirVersion = try parseVersion(m.payload)
                case .message(let m) where m.command == "verack": gotVerack = true
                case .message(let m) where m.command == "ping":
                    try transport.send(BIP324Message(command: "pong", payload: m.payload))
                    answeredPing = true
                case .message(let m) where m.command == "pong":
                    #expect(m.payload == pingNonce)
                    gotPong = true
                case .message(let m) where m.command == "headers": theirHeaders = try parseHeaders(m.payload)
                default: Issue.record("unexpected event \(event)")
                }
            }
        }
        if transport.hasBytesToSend { try socket.send(transport.takeBytesToSend()) }

        let summary = try peer.finish()
        #expect(summary["ok"] as? Bool == true, "Python peer failed: \(summary)")
        #expect(sessionID != nil && sessionID == transport.sessionID)
        #expect(summary["session_id"] as? String == transport.sessionID?.hex, "session ids differ")
        #expect(theirVersion?.version == 70016)
        #expect(theirVersion?.userAgent == "/verystable-bip324-peer/")
        let received = summary["received"] as? [String: Any] ?? [:]
        let version = received["version"] as? [String: Any] ?? [:]
        #expect(version["user_agent"] as? String == userAgent)
        #expect((received["answered_ping"] as? NSNumber)?.uint64Value == 0x8877_6655_4433_2211)
        let headers = received["headers"] as? [String: Any] ?? [:]
        #expect((headers["count"] as? NSNumber)?.intValue == 2000)
        #expect(headers["last_hash"] as? String == ourHeaders.last?.hash.displayHex)
        let sent = summary["sent_headers"] as? [String: Any] ?? [:]
        #expect(theirHeaders?.count == 2000)
        #expect(theirHeaders?.last?.hash.displayHex == sent["last_hash"] as? String)
    }

    static func versionPayload() -> [UInt8] {
        var w = ByteWriter()
        w.writeLE(Int32(70016))
        w.writeLE(UInt64(0))  // services
        w.writeLE(Int64(1_700_000_000))
        for _ in 0..<2 {  // addr_recv, addr_from: services, IPv4-mapped 127.0.0.1, port
            w.writeLE(UInt64(0))
            w.writeBytes([UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1])
            w.writeBE(UInt16(18444))
        }
        w.writeLE(UInt64(0x0102_0304_0506_0708))  // nonce
        w.writeVarBytes(Array(userAgent.utf8))
        w.writeLE(Int32(0))  // start height
        w.writeUInt8(0)  // relay
        return w.bytes
    }

    static func parseVersion(_ payload: [UInt8]) throws -> (Int32, String) {
        var r = ByteReader(payload)
        let version = try r.readInt32LE()
        _ = try r.readBytes(8 + 8 + 26 + 26 + 8)
        let agent = try r.readVarBytes("user agent", limit: 256)
        return (version, String(decoding: agent, as: UTF8.self))
    }

    static func parseHeaders(_ payload: [UInt8]) throws -> [BlockHeader] {
        var r = ByteReader(payload)
        let count = try r.readCount("headers", limit: 2000, minElementSize: 81)
        var headers: [BlockHeader] = []
        for _ in 0..<count {
            let h = try BlockHeader(from: &r)
            #expect(try r.readCompactSize() == 0)
            if let previous = headers.last { #expect(h.previousBlockHash == previous.hash, "headers do not link") }
            headers.append(h)
        }
        try r.expectEnd()
        return headers
    }
}

/// integration/bip324_peer.py as a child process; stdout carries JSON lines.
final class PythonPeer: @unchecked Sendable {
    // Used from one test thread only; @unchecked because Process and Pipe are not Sendable.
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()
    private var pending = Data()

    init(arguments: [String]) throws {
        let script = SharedData.packageRoot.appendingPathComponent("integration/bip324_peer.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw PeerFailure(description: "missing \(script.path)")
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    struct PeerFailure: Error, CustomStringConvertible { let description: String }

    /// The next JSON line on the peer's stdout.
    func readLine() throws -> [String: Any] {
        while !pending.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty {
                let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw PeerFailure(description: "Python peer ended without output (is verystable installed? pip install verystable). stderr: \(err)")
            }
            pending.append(chunk)
        }
        let newline = pending.firstIndex(of: UInt8(ascii: "\n")) ?? pending.endIndex
        let line = pending[pending.startIndex..<newline]
        pending = Data(pending[(newline + 1)...])
        let object = try JSONSerialization.jsonObject(with: line)
        guard let dict = object as? [String: Any] else { throw PeerFailure(description: "not a JSON object: \(line)") }
        if dict["ok"] as? Bool == false { throw PeerFailure(description: "Python peer failed: \(dict["error"] ?? "?")") }
        return dict
    }

    /// The final summary line, then waits for the exit.
    func finish() throws -> [String: Any] {
        let summary = try readLine()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw PeerFailure(description: "Python peer exited with \(process.terminationStatus)")
        }
        return summary
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
