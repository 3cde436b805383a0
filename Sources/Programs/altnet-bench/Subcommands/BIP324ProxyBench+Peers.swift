import BIP324
import BitcoinPrimitives
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The far ends of the proxy bench: a raw TCP sink/source, a v1 peer and a BIP324 v2 peer, each
/// listening on loopback and serving one connection per transfer on a thread of its own. The
/// client always opens with a v1 `ping` (the proxy routes a `--map` client on its first bytes);
/// then either it sends `messages` block frames (upload) or the peer does (download).
final class BenchPeers: @unchecked Sendable {
    // @unchecked: immutable after init; each transfer's threads only read it.
    enum Kind { case raw, v1, v2 }

    let frame: [UInt8]
    let payload: [UInt8]
    let messages: Int
    let ping: [UInt8]
    private let listeners: [Int32]
    let rawPort: Int, v1Port: Int, v2Port: Int

    init(frame: [UInt8], payload: [UInt8], messages: Int) throws {
        self.frame = frame
        self.payload = payload
        self.messages = messages
        self.ping = P2PFrame(command: .ping, payload: [UInt8](repeating: 7, count: 8)).encoded(magic: BIP324ProxyBench.magic)
        let raw = try BenchSocket.listen(), v1 = try BenchSocket.listen(), v2 = try BenchSocket.listen()
        listeners = [raw.fd, v1.fd, v2.fd]
        (rawPort, v1Port, v2Port) = (raw.port, v1.port, v2.port)
    }

    deinit { for fd in listeners { close(fd) } }

    /// One transfer of `messages` frames.
    /// - Parameters:
    ///   - kind: which peer serves it.
    ///   - direction: who sends the bulk.
    ///   - port: where the client connects (the peer itself, or the proxy's map port for v2).
    /// - Returns: seconds from the client's connect to the last payload byte received.
    func transfer(_ kind: Kind, _ direction: Direction, port: Int) throws -> Double {
        let listener = listeners[kind == .raw ? 0 : kind == .v1 ? 1 : 2]
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        Thread { [self] in
            do {
                let fd = try BenchSocket.accept(listener)
                defer { close(fd) }
                switch kind {
                case .raw, .v1: try servePlain(fd, direction, decode: kind == .v1)
                case .v2: try serveV2(fd, direction)
                }
                // Upload ends when this side has it all; download when the client has.
                if direction == .upload { outcome.finish() }
            } catch {
                outcome.fail(error)
            }
            done.signal()
        }.start()
        let start = BenchOutput.now()
        let fd = try BenchSocket.connect(port: port)
        defer { close(fd) }
        try BenchSocket.send(fd, ping)
        switch direction {
        case .upload:
            for _ in 0..<messages { try BenchSocket.send(fd, frame) }
            done.wait()
        case .download:
            try receive(fd, decode: kind != .raw)
            outcome.finish()
            done.wait()
        }
        if let error = outcome.error { throw error }
        return Double((outcome.end ?? BenchOutput.now()) - start) / 1e9
    }

    /// Reads the bulk as v1 frames (checksums verified), or as raw bytes.
    private func receive(_ fd: Int32, decode: Bool, skipping skip: Int = 0) throws {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var decoder = V1FrameDecoder(magic: BIP324ProxyBench.magic)
        var frames = 0
        var bytes = 0
        let total = skip + messages * frame.count
        while decode ? frames < messages : bytes < total {
            let n = try BenchSocket.receive(fd, into: &buffer)
            guard n > 0 else { throw BenchSocket.Failure(description: "closed after \(frames) frames, \(bytes) bytes") }
            bytes += n
            guard decode else { continue }
            decoder.feed(buffer[..<n])
            while let frame = try decoder.nextFrame() {
                if frame.command == .block { frames += 1 }
            }
        }
    }

    private func servePlain(_ fd: Int32, _ direction: Direction, decode: Bool) throws {
        switch direction {
        case .upload:
            try receive(fd, decode: decode, skipping: ping.count)
        case .download:
            var first = [UInt8](repeating: 0, count: ping.count)
            var got = 0
            while got < ping.count {
                var chunk = [UInt8](repeating: 0, count: ping.count - got)
                let n = try BenchSocket.receive(fd, into: &chunk)
                guard n > 0 else { throw BenchSocket.Failure(description: "client closed before its ping") }
                first.replaceSubrange(got..<got + n, with: chunk[..<n])
                got += n
            }
            for _ in 0..<messages {
                guard decode else {
                    try BenchSocket.send(fd, frame)
                    continue
                }
                // A v1 sender hashes every payload it sends for its header's checksum (Bitcoin
                // Core's V1Transport does, then sends header and payload as two buffers), as the
                // v2 peer seals each one; the raw TCP floor sends the frame made once.
                var header = ByteWriter(capacity: P2PMessageHeader.size)
                P2PMessageHeader(
                    magic: BIP324ProxyBench.magic, command: .block, payloadLength: UInt32(payload.count),
                    checksum: P2PMessageHeader.checksum(of: payload)
                ).write(to: &header)
                try BenchSocket.send(fd, header.bytes)
                try BenchSocket.send(fd, payload)
            }
        }
    }

    private func serveV2(_ fd: Int32, _ direction: Direction) throws {
        var transport = try BIP324Transport(role: .responder, networkMagic: BIP324ProxyBench.magic.wireBytes)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var blocks = 0
        var pinged = false
        while direction == .upload ? blocks < messages : !pinged {
            let n = try BenchSocket.receive(fd, into: &buffer)
            guard n > 0 else { throw BenchSocket.Failure(description: "proxy closed after \(blocks) messages") }
            for event in try transport.receive(buffer[..<n]) {
                guard case .message(let message) = event else { continue }
                if message.command == "block" { blocks += 1 }
                if message.command == "ping" { pinged = true }
            }
            let out = transport.takeBytesToSend()
            if !out.isEmpty { try BenchSocket.send(fd, out) }
        }
        guard direction == .download else { return }
        for _ in 0..<messages {
            try transport.send(BIP324Message(command: "block", payload: payload))
            try transport.withBytesToSend { pending in
                try pending.withUnsafeBytes { try BenchSocket.send(fd, $0) }
                return pending.count
            }
        }
    }
}

/// When the receiving side finished, or why it failed (set from the peer thread).
final class Outcome: @unchecked Sendable {
    // @unchecked: fields guarded by `lock`.
    private let lock = NSLock()
    private var _end: UInt64?
    private var _error: (any Error)?

    var end: UInt64? { lock.withLock { _end } }
    var error: (any Error)? { lock.withLock { _error } }

    func finish() { lock.withLock { if _end == nil { _end = BenchOutput.now() } } }
    func fail(_ error: any Error) { lock.withLock { _error = error } }
}
