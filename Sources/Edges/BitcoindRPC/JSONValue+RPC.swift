import BitcoinPrimitives
import JSON

/// Positional RPC parameters in bitcoind's spellings.
extension JSONValue {
    /// A hash in display hex, as RPC takes block hashes and txids.
    public static func hash(_ h: Hash256) -> JSONValue { .string(h.displayHex) }
    public static func hash(_ h: BlockHash) -> JSONValue { .string(h.displayHex) }
    /// Bytes as hex (raw transactions, blocks, headers).
    public static func hex(_ bytes: [UInt8]) -> JSONValue { .string(bytes.hex) }
}
