/// One entry of getzmqnotifications (src/zmq/zmqrpc.cpp): a publisher's topic type
/// (`pubhashblock`, `pubsequence`, ...), its address and high-water mark.
public struct ZMQNotificationInfo: Decodable, Sendable, Equatable {
    public let type: String
    public let address: String
    public let hwm: Int?

    public init(type: String, address: String, hwm: Int? = nil) {
        self.type = type
        self.address = address
        self.hwm = hwm
    }
}
