/// The `error` member of a bitcoind JSON-RPC reply: Core's RPC error code (src/rpc/protocol.h) and
/// its message. Read by this client and by the RPC proxy, which forwards replies untouched.
public struct BitcoindErrorObject: Decodable, Sendable, Equatable {
    public let code: Int
    public let message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }
}
