import BitcoinPrimitives
import Crypto
import Foundation

/// The physical limits the proxy's figures are held against, measured in the same run: the
/// primitives every message must pass through (SHA-256d for a v1 checksum, one ChaCha20-Poly1305
/// seal and one open for a BIP324 packet, swift-crypto's as the proxy uses them), each in
/// CPU-milliseconds per MB, best of a few passes over the bench's own payload.
struct PrimitiveCosts {
    let sha256d: Double
    let seal: Double
    let open: Double

    /// - Parameters:
    ///   - payload: one message's payload.
    ///   - passes: timed passes per primitive; the best is kept.
    init(payload: [UInt8], passes: Int = 40) throws {
        let megabytes = Double(payload.count) / 1e6
        func best(_ body: () throws -> Void) rethrows -> Double {
            var fastest = Double.infinity
            for _ in 0..<passes {
                let start = BenchOutput.now()
                try body()
                fastest = min(fastest, Double(BenchOutput.now() - start) / 1e6)
            }
            return fastest / megabytes
        }
        var sink: UInt8 = 0
        sha256d = best { sink ^= UInt8(truncatingIfNeeded: P2PMessageHeader.checksum(of: payload)) }
        let key = SymmetricKey(size: .bits256)
        let nonce = ChaChaPoly.Nonce()
        let box = try ChaChaPoly.seal(payload, using: key, nonce: nonce)
        seal = try best { sink ^= try ChaChaPoly.seal(payload, using: key, nonce: nonce).tag.first ?? 0 }
        open = try best { sink ^= try ChaChaPoly.open(box, using: key).first ?? 0 }
        BenchOutput.blackHole(sink)
    }
}

/// What the proxied path cannot beat on this machine, per direction.
///
/// The proxied transfer does all the direct transfer's work (the same v1 client, a v1 checksum
/// hashed where the direct path hashes it) plus one ChaCha20-Poly1305 seal and one open per
/// message and one more loopback TCP hop (the raw transfer's CPU per MB). With every process on
/// `cores` cores, its wall time cannot fall below that CPU divided by the cores, so
/// `ratio_vs_direct <= direct wall / (proxied CPU floor / cores)`, and never above 1
/// (``CPUCeiling``, with MB as the unit).
struct ProxyCeiling {
    /// CPU-ms per MB the proxied path needs at least.
    let floorCPU: Double
    /// The best `ratio_vs_direct` possible here.
    let ratio: Double

    /// - Parameters:
    ///   - directWall: ms per MB of the best direct transfer.
    ///   - directCPU: CPU-ms per MB of the direct transfers.
    ///   - hopCPU: CPU-ms per MB of the raw loopback transfers (one hop, no protocol).
    ///   - primitives: the AEAD costs measured in this run.
    ///   - cores: cores shared by the bench and the proxy.
    init(directWall: Double, directCPU: Double, hopCPU: Double, primitives: PrimitiveCosts, cores: Int) {
        floorCPU = directCPU + primitives.seal + primitives.open + hopCPU
        // directWall ms per MB is a direct rate of 1000 / directWall MB/s; floorCPU ms per MB.
        ratio = CPUCeiling.ratio(directRate: 1000 / directWall, cpuPerUnit: floorCPU / 1000, cores: cores)
    }
}
