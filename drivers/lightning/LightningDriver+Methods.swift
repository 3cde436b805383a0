import DriverKit
import DriverProtocol

/// `lightning.getinfo` result: what altnetd's `getinfo` shows as `"lightning": {nodeid, listen}`.
struct LightningInfo: Codable, Sendable, Hashable {
    /// The node's public key (33 bytes hex) from `init`; nil when the driver runs without links.
    var nodeid: String?
    /// The bound `HOST:PORT` (the real port when `listen` asked for port 0); nil when not listening.
    var listen: String?
}

/// The driver's own methods beyond the protocol's (docs/driver-lightning.md).
enum LightningMethods {
    /// `lightning.getinfo`: no params; answers ``LightningInfo``.
    static let getInfo = "lightning.getinfo"
}

extension LightningDriver {
    /// Driver-specific methods; anything else is `methodNotFound`.
    func handle(_ frame: RPCFrame, id: RPCID, context: DriverContext) async throws -> [UInt8] {
        switch frame.method {
        case LightningMethods.getInfo?:
            return try RPCCodec.result(id: id, currentInfo)
        default:
            throw DriverProtocolError(.methodNotFound, "unknown method \"\(frame.method?.prefix(100) ?? "")\"")
        }
    }
}
