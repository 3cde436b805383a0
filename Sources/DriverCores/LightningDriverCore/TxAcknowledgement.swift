import BitcoinPrimitives
import DriverKit
import LightningAltnetMessages

/// The acknowledgement one altnetd sends another for a `tx` received over the altnet session
/// (docs/driver-lightning.md, "Transaction acknowledgements"): an `inv` with one MSG_WTX item
/// naming the transaction's wtxid (BIP339; the txid for a transaction without witness). No new
/// command: a peer that does not wait for it treats it as any `inv`. A `tx` that answered a
/// request (a `getdata` reply) is not acknowledged, and one `tx` brings one `inv`: nothing a peer
/// sends makes us send more than it did.
public enum TxAcknowledgement {
    /// The command acknowledgements travel as, and what `broadcasttx` waits for.
    public static let command = "inv"

    /// The acknowledgement of a received `tx` payload.
    /// - Returns: nil when the payload is not a transaction (nothing is acknowledged).
    public static func message(for txPayload: [UInt8]) -> AltnetMessage? {
        guard let tx = try? Transaction(bytes: txPayload) else { return nil }
        var writer = ByteWriter()
        Inventory.encodeList([Inventory(type: .wtx, hash: tx.announcedWtxid.hash)], to: &writer)
        return try? AltnetMessage(command: command, payload: writer.bytes)
    }
}
