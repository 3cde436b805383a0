@testable import BIP324
import Secp256k1

/// Helpers shared by the transport tests: deterministic transports and an in-memory pump.
enum Fixture {
    static let regtestMagic: [UInt8] = [0xFA, 0xBF, 0xB5, 0xDA]

    static func key(_ byte: UInt8) -> PrivateKey {
        // Fixed, valid scalars (small repeated bytes are below the group order).
        (try? PrivateKey(rawRepresentation: [UInt8](repeating: byte, count: 32))) ?? PrivateKey()
    }

    static func pair(
        initiatorGarbage: Int = 17, responderGarbage: Int = 4095,
        initiatorDecoys: [Int] = [], responderDecoys: [Int] = [1, 0, 300]
    ) throws -> (BIP324Transport, BIP324Transport) {
        let i = try BIP324Transport(
            role: .initiator, networkMagic: regtestMagic, privateKey: key(1),
            ellswiftRandomness: [UInt8](repeating: 0xA1, count: 32),
            garbage: (0..<initiatorGarbage).map { UInt8(truncatingIfNeeded: $0 &* 7) }, decoyLengths: initiatorDecoys)
        let r = try BIP324Transport(
            role: .responder, networkMagic: regtestMagic, privateKey: key(2),
            ellswiftRandomness: [UInt8](repeating: 0xB2, count: 32),
            garbage: (0..<responderGarbage).map { UInt8(truncatingIfNeeded: $0 &* 13) }, decoyLengths: responderDecoys)
        return (i, r)
    }

    /// Moves bytes both ways until neither side has anything to send; returns each side's events.
    static func pump(_ a: inout BIP324Transport, _ b: inout BIP324Transport) throws -> (a: [BIP324Event], b: [BIP324Event]) {
        var ea: [BIP324Event] = [], eb: [BIP324Event] = []
        while a.hasBytesToSend || b.hasBytesToSend {
            let toB = a.takeBytesToSend()
            if !toB.isEmpty { eb += try b.receive(toB) }
            let toA = b.takeBytesToSend()
            if !toA.isEmpty { ea += try a.receive(toA) }
        }
        return (ea, eb)
    }

    /// Two transports with the handshake done.
    static func connected() throws -> (BIP324Transport, BIP324Transport) {
        var (i, r) = try pair()
        _ = try pump(&i, &r)
        return (i, r)
    }
}
