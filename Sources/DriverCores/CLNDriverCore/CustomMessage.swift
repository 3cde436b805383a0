import BitcoinPrimitives
import JSON
import LightningAltnetMessages

/// One Lightning custom message and the peer it came from or goes to, as Core Lightning names
/// them: the `custommsg` hook's `{"peer_id", "payload"}` (payload = 2-byte type and body, hex) and
/// `sendcustommsg`'s `{"node_id", "msg"}` (the same hex). The plugin half hands received ones to
/// the driver half as the hook's own object, one per line (docs/driver-lightning.md, "Running
/// beside Core Lightning").
public struct CustomMessage: Sendable, Hashable {
    /// The peer's node id, 33 bytes as 66 lowercase hex digits.
    public let peer: String
    /// Type and payload.
    public let message: LightningMessage

    /// - Parameters:
    ///   - peer: the node id (hex, as lightningd writes it).
    ///   - message: type and payload.
    public init(peer: String, message: LightningMessage) {
        self.peer = peer
        self.message = message
    }

    /// Longest bridge line: the hook object of a maximum-size message with room for its keys.
    public static let maxLineBytes = 2 * LightningMessage.maxWireSize + 256

    /// Reads the `custommsg` hook's params (or a bridge line, which has the same shape).
    /// - Parameter params: the object with `peer_id` and `payload`.
    /// - Throws: ``CLNError`` naming what is wrong (not hex, not a node id, too short or long).
    public init(hookParams params: JSONValue) throws(CLNError) {
        guard let peer = params["peer_id"]?.stringValue else { throw CLNError("custommsg without a peer_id string") }
        // `message` is the name Core Lightning used before `payload` (v0.10 sent both).
        guard let payload = (params["payload"] ?? params["message"])?.stringValue else {
            throw CLNError("custommsg without a payload string")
        }
        try self.init(peer: peer, hex: payload)
    }

    /// - Parameters:
    ///   - peer: a node id in hex.
    ///   - hex: the message, type included, in hex.
    /// - Throws: ``CLNError`` for a bad node id or message.
    public init(peer: String, hex: String) throws(CLNError) {
        guard Self.isNodeID(peer) else { throw CLNError("peer_id is not a 33-byte node id in hex: \(peer.prefix(80))") }
        guard hex.utf8.count <= 2 * LightningMessage.maxWireSize else {
            throw CLNError("custom message of \(hex.utf8.count / 2) bytes: more than a Lightning message's \(LightningMessage.maxWireSize)")
        }
        guard let bytes = try? Hex.decode(hex), bytes.count >= 2 else {
            throw CLNError("custom message payload is not hex of at least 2 bytes (the type)")
        }
        self.peer = peer.lowercased()
        message = LightningMessage(type: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), payload: Array(bytes[2...]))
    }

    /// The message as Core Lightning writes it: type and payload in hex.
    public var hex: String {
        Hex.encode([UInt8(message.type >> 8), UInt8(message.type & 0xFF)] + message.payload)
    }

    /// Whether the message is one of altnet's two types (the plugin forwards only those).
    public var isAltnet: Bool { AltnetWire.isAltnet(type: message.type) }

    /// The bridge line the plugin writes to the driver: the hook's object and a newline.
    public var bridgeLine: [UInt8] {
        JSONValue.object([("peer_id", .string(peer)), ("payload", .string(hex))]).encoded() + [0x0A]
    }

    /// The bridge line that tells the driver lightningd's peers changed (from the plugin's
    /// `connect` and `disconnect` notifications): it asks `listpeers` at once.
    public static let peersChangedLine: [UInt8] = JSONValue.object([("peers_changed", .bool(true))]).encoded() + [0x0A]

    /// `sendcustommsg`'s params.
    public var sendParams: JSONValue {
        .object([("node_id", .string(peer)), ("msg", .string(hex))])
    }

    /// Whether `text` is a compressed public key's hex (66 digits, 02 or 03 first).
    public static func isNodeID(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard utf8.count == 66, utf8[0] == UInt8(ascii: "0"), utf8[1] == UInt8(ascii: "2") || utf8[1] == UInt8(ascii: "3") else {
            return false
        }
        return utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
    }
}
