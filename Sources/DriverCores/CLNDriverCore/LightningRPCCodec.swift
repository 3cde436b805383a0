import JSON

/// Requests to lightningd's JSON-RPC socket (`lightning-rpc`) and its replies, sans I/O. The
/// driver half uses two methods: `listpeers` and `sendcustommsg {node_id, msg}`.
public enum LightningRPCCodec {
    /// Largest reply read: a `listpeers` of ``CLNPeer/maxPeers`` peers fits many times over.
    public static let maxReplyBytes = 16 * 1024 * 1024

    /// One request object.
    /// - Parameters:
    ///   - id: the request's id (a string, as lightningd itself uses).
    ///   - method: the method.
    ///   - params: its params object.
    /// - Returns: the bytes to write.
    public static func request(id: String, method: String, params: JSONValue) -> [UInt8] {
        JSONValue.object([("jsonrpc", .string("2.0")), ("id", .string(id)), ("method", .string(method)), ("params", params)]).encoded()
            + [0x0A, 0x0A]
    }

    /// Reads one reply.
    /// - Parameters:
    ///   - object: the reply's bytes (``JSONObjectFramer``).
    ///   - id: the id sent.
    /// - Returns: its result.
    /// - Throws: ``CLNError`` for an error reply (lightningd's code and message), another id, or
    ///   something unreadable.
    public static func result(of object: [UInt8], id: String) throws(CLNError) -> JSONValue {
        let reply: JSONValue
        do throws(JSONParseError) {
            reply = try JSONValue.parse(object, limits: JSONLimits(maxBytes: maxReplyBytes, maxDepth: 64))
        } catch {
            throw CLNError("unreadable reply from lightningd: \(error)")
        }
        guard reply["id"]?.stringValue == id else { throw CLNError("reply from lightningd for another request") }
        if let error = reply["error"], !error.isNull {
            let code = error["code"]?.intValue.map(String.init) ?? "?"
            let message = error["message"]?.stringValue.map { String($0.prefix(300)) } ?? "no message"
            throw CLNError("lightningd error \(code): \(message)")
        }
        guard let result = reply["result"] else { throw CLNError("reply from lightningd without a result") }
        return result
    }
}
