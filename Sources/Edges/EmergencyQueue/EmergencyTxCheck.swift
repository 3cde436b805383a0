import BitcoinPrimitives

/// A raw transaction that passed the checks: one transaction, not a coinbase, standard weight.
public struct CheckedTransaction: Sendable, Equatable {
    public let raw: [UInt8]
    public let transaction: Transaction
    public let txid: Txid
    public let wtxid: Wtxid
    /// BIP141 weight: 3 x size without witness + size with witness.
    public let weight: Int

    /// Parses and checks raw transaction bytes (pure: no I/O).
    /// - Parameter raw: the serialised transaction (with or without BIP144 witness).
    /// - Throws: ``EmergencyError`` `notATransaction`, `coinbase` or `tooLarge`.
    public init(raw: [UInt8]) throws(EmergencyError) {
        guard raw.count <= EmergencyLimits.maxRawBytes else {
            throw EmergencyError(.tooLarge(weight: raw.count, limit: EmergencyLimits.maxWeight))
        }
        guard !raw.isEmpty else { throw EmergencyError(.notATransaction("no bytes")) }
        let tx: Transaction
        do {
            tx = try Transaction(bytes: raw)
        } catch {
            throw EmergencyError(.notATransaction("\(error)"))
        }
        guard !tx.inputs.isEmpty else { throw EmergencyError(.notATransaction("no inputs")) }
        guard !tx.outputs.isEmpty else { throw EmergencyError(.notATransaction("no outputs")) }
        guard !tx.isCoinbase else { throw EmergencyError(.coinbase) }
        let stripped = tx.serialized(includingWitness: false)
        let full = tx.serialized(includingWitness: true)
        // Re-serialisation must give back the input, or the stored bytes and ids would disagree.
        guard full == raw else {
            throw EmergencyError(.notATransaction("bytes do not re-serialise to themselves (non-canonical encoding)"))
        }
        let weight = 3 * stripped.count + full.count
        guard weight <= EmergencyLimits.maxWeight else {
            throw EmergencyError(.tooLarge(weight: weight, limit: EmergencyLimits.maxWeight))
        }
        self.raw = raw
        self.transaction = tx
        self.txid = Txid(Hash256.sha256d(of: stripped))
        self.wtxid = Wtxid(Hash256.sha256d(of: full))
        self.weight = weight
    }

    /// Parses hex as `sendemergencytx` receives it (surrounding whitespace ignored), then checks.
    /// - Parameter hex: the raw transaction in hex.
    /// - Throws: ``EmergencyError`` `malformedHex`, `tooLarge`, or the errors of ``init(raw:)``.
    public init(hex: String) throws(EmergencyError) {
        let trimmed = hex.utf8.drop { Self.isSpace($0) }.reversed().drop { Self.isSpace($0) }.reversed()
        guard !trimmed.isEmpty else { throw EmergencyError(.malformedHex("empty input")) }
        guard trimmed.count <= EmergencyLimits.maxHexDigits else {
            throw EmergencyError(.tooLarge(weight: trimmed.count / 2, limit: EmergencyLimits.maxWeight))
        }
        guard trimmed.count % 2 == 0 else {
            throw EmergencyError(.malformedHex("odd number of hex digits (\(trimmed.count))"))
        }
        let bytes: [UInt8]
        do {
            bytes = try Hex.decode(String(decoding: trimmed, as: UTF8.self))
        } catch {
            throw EmergencyError(.malformedHex("\(error)"))
        }
        try self.init(raw: bytes)
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09 }
}
