import ArgumentParser
import BOLT8
import Crypto
import Foundation
import Secp256k1

/// The BOLT 8 part of `altnet-bench transports`.
///
/// Records per run (`altnet-bench transports` prints each as `.p50`, `.min`, `.max`):
/// - `bolt8.handshake.initiator.us`, `bolt8.handshake.responder.us`: CPU per side for one whole
///   handshake (ephemeral key generation, three acts, both ECDHs through a ``LocalNodeKey``);
/// - for 64 B, 1 KiB and 65,535 B payloads (BOLT 8's maximum):
///   `bolt8.packet.<size>.per_s` and `.MBps` (encrypting: length prefix + body, rotation
///   included), `chachapoly.raw.<size>.MBps` / `.per_s` (one swift-crypto ChaChaPoly seal of the
///   payload, the physical limit) and `bolt8.packet.<size>.ratio` (BOLT 8 / raw payload MB/s);
///   the same for receiving: `bolt8.decode.<size>.MBps`, `chachapoly.raw_open.<size>.MBps`,
///   `bolt8.decode.<size>.ratio`.
/// Each pair is measured interleaved, best of three rounds, in the same run. Times are this
/// thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), so other load on a shared machine does not
/// inflate them; both sides of every ratio are measured the same way.
enum BOLT8TransportBench {
    static let sizes: [(label: String, bytes: Int)] = [("64B", 64), ("1KiB", 1024), ("65535B", 65_535)]
    static let roundSeconds = 0.2

    static func run(_ out: FigureRuns) throws {
        try handshakes(out)
        for (label, size) in sizes {
            try packets(label: label, size: size, out)
        }
    }

    // MARK: Handshake

    static func handshakes(_ out: FigureRuns) throws {
        let initiatorKey = LocalNodeKey(privateKey: PrivateKey())
        let responderKey = LocalNodeKey(privateKey: PrivateKey())
        var initiatorNs: UInt64 = 0, responderNs: UInt64 = 0
        let count = 400
        for _ in 0..<count {
            var t = cpuNow()
            var i = Handshake(role: .initiator(remoteStatic: responderKey.publicKey), localStatic: initiatorKey.publicKey)
            let act1 = try sendBytes(i.start())
            initiatorNs += cpuNow() - t

            t = cpuNow()
            var r = Handshake(role: .responder, localStatic: responderKey.publicKey)
            _ = try r.start()
            let act2 = try answer(&r, try r.receive(act1), key: responderKey)
            responderNs += cpuNow() - t

            t = cpuNow()
            let act3 = try answer(&i, try i.receive(act2), key: initiatorKey)
            initiatorNs += cpuNow() - t

            t = cpuNow()
            _ = try r.receive(act3)
            responderNs += cpuNow() - t
            guard i.isComplete, r.isComplete else { throw ValidationError("BOLT 8 handshake did not complete") }
        }
        out.record("bolt8.handshake.initiator.us", Double(initiatorNs) / Double(count) / 1000, "us")
        out.record("bolt8.handshake.responder.us", Double(responderNs) / Double(count) / 1000, "us")
    }

    /// Answers node-key requests synchronously and returns the bytes to send.
    static func answer(_ hs: inout Handshake, _ events: [HandshakeEvent], key: LocalNodeKey) throws -> [UInt8] {
        var out: [UInt8] = []
        var queue = events
        while !queue.isEmpty {
            let event = queue.removeFirst()
            switch event {
            case .send(let bytes): out += bytes
            case .needStaticECDH(let point): queue += try hs.resume(staticECDH: try key.ecdhSync(point))
            case .complete: break
            }
        }
        return out
    }

    static func sendBytes(_ events: [HandshakeEvent]) -> [UInt8] {
        events.reduce(into: []) { if case .send(let b) = $1 { $0 += b } }
    }

    // MARK: Packets

    static func packets(label: String, size: Int, _ out: FigureRuns) throws {
        // Encryption-only rounds use their own session: packets never delivered would put a
        // shared receiver's nonce out of step.
        var (sender, _) = try transportPair()
        var (decodeSender, receiver) = try transportPair()
        let payload = [UInt8](repeating: 0xa5, count: size)
        let key = SymmetricKey(size: .bits256)
        var bestRaw = 0.0, bestBOLT8 = 0.0, bestRawOpen = 0.0, bestDecode = 0.0
        for _ in 0..<3 {
            bestRaw = max(bestRaw, try rawSeal(payload, key: key))
            bestBOLT8 = max(bestBOLT8, try bolt8Encrypt(payload, sender: &sender))
            bestRawOpen = max(bestRawOpen, try rawOpen(payload, key: key))
            bestDecode = max(bestDecode, try bolt8Decode(payload, sender: &decodeSender, receiver: &receiver))
        }
        let mb = Double(size) / 1_000_000
        out.record("chachapoly.raw.\(label).per_s", bestRaw, "per_s")
        out.record("chachapoly.raw.\(label).MBps", bestRaw * mb, "MB/s")
        out.record("bolt8.packet.\(label).per_s", bestBOLT8, "per_s")
        out.record("bolt8.packet.\(label).MBps", bestBOLT8 * mb, "MB/s")
        out.record("bolt8.packet.\(label).ratio", bestBOLT8 / bestRaw, "ratio")
        out.record("chachapoly.raw_open.\(label).MBps", bestRawOpen * mb, "MB/s")
        out.record("bolt8.decode.\(label).MBps", bestDecode * mb, "MB/s")
        out.record("bolt8.decode.\(label).ratio", bestDecode / bestRawOpen, "ratio")
    }

    /// A connected pair from a real handshake.
    static func transportPair() throws -> (BOLT8Transport, BOLT8Transport) {
        let ik = LocalNodeKey(privateKey: PrivateKey()), rk = LocalNodeKey(privateKey: PrivateKey())
        var i = Handshake(role: .initiator(remoteStatic: rk.publicKey), localStatic: ik.publicKey)
        var r = Handshake(role: .responder, localStatic: rk.publicKey)
        _ = try r.start()
        let act2 = try answer(&r, try r.receive(sendBytes(try i.start())), key: rk)
        var events = try i.receive(act2)
        var initiator: BOLT8Transport?, responder: BOLT8Transport?
        var act3: [UInt8] = []
        while let event = events.first {
            events.removeFirst()
            switch event {
            case .send(let b): act3 += b
            case .needStaticECDH(let p): events += try i.resume(staticECDH: try ik.ecdhSync(p))
            case .complete(let t): initiator = t
            }
        }
        for event in try r.receive(act3) { if case .complete(let t) = event { responder = t } }
        guard let initiator, let responder else { throw ValidationError("BOLT 8 handshake did not complete") }
        return (initiator, responder)
    }

    /// Runs `body` in batches until `roundSeconds` pass; returns operations per second.
    static func rate(_ body: () throws -> Int) rethrows -> Double {
        let start = cpuNow()
        let budget = UInt64(roundSeconds * 1e9)
        var ops = 0
        while cpuNow() - start < budget { ops += try body() }
        return Double(ops) / (Double(cpuNow() - start) / 1e9)
    }

    static func rawSeal(_ payload: [UInt8], key: SymmetricKey) throws -> Double {
        var counter: UInt64 = 0
        var sink: UInt8 = 0
        let r = try rate {
            for _ in 0..<16 {
                counter += 1
                let box = try ChaChaPoly.seal(payload, using: key, nonce: nonce(counter))
                sink ^= box.tag.first ?? 0
            }
            return 16
        }
        BenchOutput.blackHole(sink)
        return r
    }

    /// Opening fresh boxes made outside the timed part, batch for batch as ``bolt8Decode``
    /// does, so both read ciphertext that is equally cold in the caches.
    static func rawOpen(_ payload: [UInt8], key: SymmetricKey) throws -> Double {
        let batch = decodeBatch(payload.count)
        var sink: UInt8 = 0
        var ops = 0
        var elapsed: UInt64 = 0
        var counter: UInt64 = 0
        let budget = UInt64(roundSeconds * 1e9)
        while elapsed < budget {
            let boxes = try (0..<batch).map { _ in
                counter += 1
                return try ChaChaPoly.seal(payload, using: key, nonce: nonce(counter))
            }
            let t = cpuNow()
            for box in boxes {
                let plain = try ChaChaPoly.open(box, using: key)
                sink ^= plain.last ?? 0
                ops += 1
            }
            elapsed += cpuNow() - t
        }
        BenchOutput.blackHole(sink)
        return Double(ops) / (Double(elapsed) / 1e9)
    }

    static func decodeBatch(_ size: Int) -> Int { size > 4096 ? 64 : 1024 }

    static func bolt8Encrypt(_ payload: [UInt8], sender: inout BOLT8Transport) throws -> Double {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 34)
        var sink: UInt8 = 0
        let r = try rate {
            for _ in 0..<16 {
                out.removeAll(keepingCapacity: true)
                try sender.sender.encrypt(payload, appendingTo: &out)
                sink ^= out.last ?? 0
            }
            return 16
        }
        BenchOutput.blackHole(sink)
        return r
    }

    /// Decoding needs fresh packets in order; they are made outside the timed part.
    static func bolt8Decode(_ payload: [UInt8], sender: inout BOLT8Transport, receiver: inout BOLT8Transport) throws -> Double {
        let batch = decodeBatch(payload.count)
        var sink: UInt8 = 0
        var ops = 0
        var elapsed: UInt64 = 0
        let budget = UInt64(roundSeconds * 1e9)
        while elapsed < budget {
            // Fed one packet per read, as a socket reader would hand them over.
            let packets = try (0..<batch).map { _ in try sender.encrypt(payload) }
            let t = cpuNow()
            for packet in packets {
                receiver.feed(packet)
                while let m = try receiver.nextMessage() {
                    sink ^= m.last ?? 0
                    ops += 1
                }
            }
            elapsed += cpuNow() - t
        }
        BenchOutput.blackHole(sink)
        return Double(ops) / (Double(elapsed) / 1e9)
    }

    /// This thread's CPU time in nanoseconds.
    static func cpuNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// A 96-bit nonce built without allocating, as the transport builds its own.
    static func nonce(_ n: UInt64) throws -> ChaChaPoly.Nonce {
        try withUnsafeTemporaryAllocation(byteCount: 12, alignment: 8) { buffer in
            buffer.storeBytes(of: 0, toByteOffset: 0, as: UInt32.self)
            buffer.storeBytes(of: n.littleEndian, toByteOffset: 4, as: UInt64.self)
            return try ChaChaPoly.Nonce(data: UnsafeRawBufferPointer(buffer))
        }
    }
}
