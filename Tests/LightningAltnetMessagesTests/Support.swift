import BitcoinPrimitives
import Foundation
import LightningAltnetMessages
import Testing
import TestSupport

typealias Reassembler = AltnetReassembler<ContinuousClock.Instant>

enum Fixtures {
    /// Deterministic pseudo-random bytes (xorshift64*), so failures reproduce.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed | 1
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            let word = state &* 0x2545_F491_4F6C_DD1D
            for shift in stride(from: 0, to: 64, by: 8) where out.count < count {
                out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return out
    }

    /// The first 2,000 real mainnet headers of ../shared/data/mainnet (heights 822528...).
    static func mainnetHeaders(_ count: Int = 2000) throws -> [BlockHeader] {
        let data = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        try #require(data.count >= count * 80)
        var reader = ByteReader(data)
        return try (0..<count).map { _ in try BlockHeader(from: &reader) }
    }

    /// A structurally valid block whose `block` payload is exactly `size` bytes: the first real
    /// header and transactions of about 100 KB with pseudo-random output scripts.
    static func block(serializedSize size: Int, seed: UInt64) throws -> Block {
        let header = try mainnetHeaders(1)[0]
        func transaction(scriptLength: Int, index: Int) -> Transaction {
            let input = TxIn(previousOutput: index == 0 ? .null : OutPoint(txid: .zero, index: UInt32(index)),
                             scriptSig: [0x51], sequence: .max)
            let output = TxOut(value: Int64(index),
                               scriptPubKey: bytes(scriptLength, seed: seed &+ UInt64(index)))
            return Transaction(version: 2, inputs: [input], outputs: [output], lockTime: 0)
        }
        let chunk = 100_000
        var transactions = (0..<(size / chunk)).map { transaction(scriptLength: chunk - 100, index: $0) }
        // Grow the last transaction's script until the block is exactly `size` bytes (the
        // compact-size prefixes move by a byte or two, so settle in a few rounds).
        var lastScript = max(size - (size / chunk) * chunk, 1)
        transactions.append(transaction(scriptLength: lastScript, index: transactions.count))
        for _ in 0..<4 {
            let current = P2PMessage.block(Block(header: header, transactions: transactions)).encodePayload().count
            if current == size { break }
            lastScript += size - current
            transactions[transactions.count - 1] = transaction(scriptLength: lastScript, index: transactions.count - 1)
        }
        let block = Block(header: header, transactions: transactions)
        try #require(P2PMessage.block(block).encodePayload().count == size)
        return block
    }

    /// An altnet message from a decoded P2P message.
    static func altnet(_ message: P2PMessage) throws -> AltnetMessage {
        try AltnetMessage(command: message.command.name, payload: message.encodePayload())
    }
}

extension Reassembler {
    /// Feeds messages in order; returns the complete P2P messages and checks that every other
    /// outcome is a buffered fragment.
    mutating func feed(_ messages: [LightningMessage], now: ContinuousClock.Instant) throws -> [AltnetMessage] {
        var complete: [AltnetMessage] = []
        for message in messages {
            switch try receive(message, now: now) {
            case .complete(let m): complete.append(m)
            case .buffered: continue
            case let other: Issue.record("unexpected outcome \(other)")
            }
        }
        return complete
    }
}

/// The ``AltnetMessageError`` a throwing expression throws (nil if none), for `#expect` on its
/// fields. Any other error is recorded as a failure.
func altnetError(_ body: () throws -> Void) -> AltnetMessageError? {
    do {
        try body()
        return nil
    } catch let error as AltnetMessageError {
        return error
    } catch {
        Issue.record("expected an AltnetMessageError, got \(error)")
        return nil
    }
}
