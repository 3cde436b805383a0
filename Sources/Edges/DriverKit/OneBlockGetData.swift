import BitcoinPrimitives
import DriverProtocol

/// A `getdata` as a request-per-block driver takes it (altnet-driver-rpc through
/// `getblockfrompeer`, altnet-driver-esplora through `/block/:hash/raw`): one block entry, or
/// transaction entries only, which such a driver answers `notfound`.
public struct OneBlockGetData: Sendable {
    /// Every entry asked for.
    public let items: [Inventory]
    /// The block entry, if the request is for a block.
    public let block: Inventory?

    /// - Parameters:
    ///   - payload: the `getdata` payload.
    ///   - driver: the driver's name, for the error message.
    /// - Throws: `invalidParams` for an unreadable payload, several blocks, or blocks and
    ///   transactions mixed.
    public init(_ payload: [UInt8], driver: String) throws(DriverProtocolError) {
        do {
            items = try Inventory.decodeList(payload[...])
        } catch {
            throw DriverProtocolError(.invalidParams, "getdata payload: \(error)")
        }
        let blocks = items.filter { $0.type.base == .block }
        guard blocks.count <= 1, blocks.count == items.count || blocks.isEmpty else {
            throw DriverProtocolError(.invalidParams, "\(driver) answers a getdata for one block, or for transactions only")
        }
        block = blocks.first
    }

    /// The `notfound` answer for every entry asked for.
    public var notFound: DriverP2PMessage {
        DriverP2PMessage(command: "notfound", payloadBytes: P2PMessage.notfound(items).encodePayload())
    }
}
