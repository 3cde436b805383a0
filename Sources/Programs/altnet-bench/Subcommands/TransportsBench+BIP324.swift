import BIP324
import Crypto
import ElligatorSwift
import Foundation
import Secp256k1

/// The BIP324 part of `altnet-bench transports`.
///
/// Figures (recorded per run; `altnet-bench transports` prints each as `.p50`, `.min`, `.max`): ElligatorSwift create + x-only ECDH, with libsecp256k1's own public key
/// derivation + ECDH as the floor; handshake CPU per side; packet throughput (send + receive
/// through the transport) for 64 B, 1 KiB and 1 MiB against swift-crypto's raw ChaChaPoly
/// seal + open of the same payloads in the same run, and their ratios. Compared runs are
/// interleaved and each figure is the best of 7 rounds, so that load from other processes on a
/// shared machine disturbs both sides of a ratio alike.
enum BIP324TransportBench {
    static let regtestMagic: [UInt8] = [0xFA, 0xBF, 0xB5, 0xDA]

    static func run(_ out: FigureRuns) throws {
        try ellswift(out)
        try handshake(out)
        for (name, size, iterations) in [("64B", 64, 10_000), ("1KiB", 1024, 5_000), ("1MiB", 1 << 20, 16)] {
            try packets(name: name, size: size, iterations: iterations, out)
        }
    }

    static func microseconds(_ nanos: UInt64, _ count: Int) -> Double { Double(nanos) / 1000 / Double(count) }

    /// Best of `rounds` timings of `body` (nanoseconds): on a shared machine the minimum is the
    /// figure least disturbed by other processes. Callers interleave the runs they compare.
    static func best(_ samples: [UInt64]) -> UInt64 { samples.min() ?? 0 }

    static func time(_ body: () throws -> Void) rethrows -> UInt64 {
        let start = BenchOutput.now()
        try body()
        return BenchOutput.now() - start
    }

    static let rounds = 7

    static func ellswift(_ out: FigureRuns) throws {
        let n = 100
        var rng = SystemRandomNumberGenerator()
        let keys = (0..<n).map { _ in PrivateKey(using: &rng) }
        let randomness = (0..<n).map { _ in (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        let peer = PrivateKey(using: &rng)
        let peerEncoding = try ElligatorSwift.create(privateKey: peer)
        let peerPoint = peer.publicKey

        let encodings = try zip(keys, randomness).map { try ElligatorSwift.create(privateKey: $0, randomness: $1) }
        var floor: [UInt64] = [], full: [UInt64] = [], create: [UInt64] = [], decode: [UInt64] = [], xdh: [UInt64] = []
        for _ in 0..<rounds {
            // Floor: what libsecp256k1 itself spends on the same job (public key, then ECDH).
            floor.append(try time {
                for k in keys {
                    _ = k.publicKey
                    _ = try ECDH.xOnly(privateKey: k, publicKey: peerPoint)
                }
            })
            create.append(try time { for (k, r) in zip(keys, randomness) { _ = try ElligatorSwift.create(privateKey: k, randomness: r) } })
            decode.append(try time { for _ in 0..<n { _ = try ElligatorSwift.decode(peerEncoding) } })
            xdh.append(try time {
                for (k, ours) in zip(keys, encodings) {
                    _ = try ElligatorSwift.bip324SharedSecret(privateKey: k, ours: ours, theirs: peerEncoding, initiating: true)
                }
            })
            full.append(try time {
                for (k, r) in zip(keys, randomness) {
                    let ours = try ElligatorSwift.create(privateKey: k, randomness: r)
                    _ = try ElligatorSwift.bip324SharedSecret(privateKey: k, ours: ours, theirs: peerEncoding, initiating: true)
                }
            })
        }
        out.record("secp256k1.pubkey_plus_ecdh.us", microseconds(best(floor), n), "us")
        out.record("ellswift.create_plus_xdh.us", microseconds(best(full), n), "us")
        out.record("ellswift.create_plus_xdh.over_secp256k1_floor", Double(best(full)) / Double(best(floor)), "ratio")
        out.record("ellswift.create.us", microseconds(best(create), n), "us")
        out.record("ellswift.decode.us", microseconds(best(decode), n), "us")
        out.record("ellswift.xdh.us", microseconds(best(xdh), n), "us")
    }

    /// Full in-memory handshakes; CPU time of each side's calls, version packets included.
    static func handshake(_ out: FigureRuns) throws {
        let n = 200
        var initiatorNanos: UInt64 = 0, responderNanos: UInt64 = 0
        for _ in 0..<n {
            var t = BenchOutput.now()
            var initiator = try BIP324Transport(role: .initiator, networkMagic: regtestMagic)
            let hello = initiator.takeBytesToSend()
            initiatorNanos += BenchOutput.now() - t

            t = BenchOutput.now()
            var responder = try BIP324Transport(role: .responder, networkMagic: regtestMagic)
            _ = try responder.receive(hello)
            let reply = responder.takeBytesToSend()
            responderNanos += BenchOutput.now() - t

            t = BenchOutput.now()
            _ = try initiator.receive(reply)
            let finish = initiator.takeBytesToSend()
            initiatorNanos += BenchOutput.now() - t

            t = BenchOutput.now()
            _ = try responder.receive(finish)
            responderNanos += BenchOutput.now() - t
            guard initiator.isReady, responder.isReady, initiator.sessionID == responder.sessionID else {
                throw BenchFailure(description: "BIP324 handshake did not complete")
            }
        }
        out.record("bip324.handshake.initiator.us", microseconds(initiatorNanos, n), "us")
        out.record("bip324.handshake.responder.us", microseconds(responderNanos, n), "us")
    }

    /// One packet = send on one transport + receive on the other (encrypt + decrypt), against
    /// ChaChaPoly seal + open of the same payload with a reused key.
    static func packets(name: String, size: Int, iterations: Int, _ out: FigureRuns) throws {
        var initiator = try BIP324Transport(role: .initiator, networkMagic: regtestMagic)
        var responder = try BIP324Transport(role: .responder, networkMagic: regtestMagic)
        _ = try responder.receive(initiator.takeBytesToSend())
        _ = try initiator.receive(responder.takeBytesToSend())
        _ = try responder.receive(initiator.takeBytesToSend())
        let payload = [UInt8](repeating: 0x5A, count: size)
        let message = BIP324Message(command: "block", payload: payload)
        let key = SymmetricKey(size: .bits256)
        let nonce = ChaChaPoly.Nonce()

        var packetSamples: [UInt64] = [], rawSamples: [UInt64] = []
        for _ in 0..<rounds {
            var received = 0
            packetSamples.append(try time {
                for _ in 0..<iterations {
                    try initiator.send(message)
                    // The byte pump as a socket adapter drives it: buffers are reused across packets.
                    try initiator.withBytesToSend { bytes in
                        for event in try responder.receive(bytes) {
                            if case .message(let m) = event { received += m.payloadBytes.count }
                        }
                        return bytes.count
                    }
                }
            })
            guard received == size * iterations else { throw BenchFailure(description: "BIP324 lost packets") }
            var opened = 0
            rawSamples.append(try time {
                for _ in 0..<iterations {
                    let box = try ChaChaPoly.seal(payload, using: key, nonce: nonce)
                    opened += try ChaChaPoly.open(box, using: key).count
                }
            })
            guard opened == size * iterations else { throw BenchFailure(description: "ChaChaPoly round trip failed") }
        }
        let packetNanos = best(packetSamples), rawNanos = best(rawSamples)

        let bytes = Double(size * iterations)
        let packetRate = bytes / (Double(packetNanos) / 1e9) / 1e6
        let rawRate = bytes / (Double(rawNanos) / 1e9) / 1e6
        out.record("bip324.packet.\(name).MBps", packetRate, "MB/s")
        out.record("bip324.packet.\(name).us", microseconds(packetNanos, iterations), "us")
        out.record("chachapoly.raw.\(name).MBps", rawRate, "MB/s")
        out.record("bip324.packet.\(name).ratio", packetRate / rawRate, "ratio")
    }

    struct BenchFailure: Error, CustomStringConvertible { let description: String }
}
