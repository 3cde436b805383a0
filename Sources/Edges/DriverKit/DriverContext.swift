import BitcoinPrimitives
import DriverProtocol
import Logging

/// What a driver's handlers use to talk to the core: notifications, driver-to-core requests, a
/// logger (on standard error). Sendable; keep it and use it from any task.
public final class DriverContext: Sendable {
    /// Logs go to standard error, which the core captures with the driver's name.
    public let logger: Logger
    let writer: LineWriter
    let pending: RPCPendingTable

    /// The framing of the pipe to the core right now (JSON lines until `init` picked binary).
    public var framing: DriverFraming { writer.framing }

    init(writer: LineWriter, pending: RPCPendingTable, logger: Logger) {
        self.writer = writer
        self.pending = pending
        self.logger = logger
    }

    /// Sends a notification to the core.
    /// - Parameters:
    ///   - method: e.g. ``Methods/messageReceived``.
    ///   - params: its params.
    /// - Throws: ``DriverProtocolError`` when the params cannot be encoded or standard output is closed.
    public func notify<P: Encodable>(_ method: String, _ params: P) throws(DriverProtocolError) {
        let line = try RPCCodec.notification(method: method, params: params, framing: writer.framing)
        guard writer.write(line) else { throw DriverProtocolError(.driverUnavailable, "standard output is closed") }
    }

    /// Tells the core a peer connected.
    public func peerConnected(_ peer: PeerInfo) throws(DriverProtocolError) {
        try notify(Methods.peerConnected, PeerConnected(peer: peer))
    }

    /// Tells the core a peer is gone.
    public func peerDisconnected(_ peer: String, reason: String? = nil) throws(DriverProtocolError) {
        try notify(Methods.peerDisconnected, PeerDisconnected(peer: peer, reason: reason))
    }

    /// Hands the core a message a peer sent (one that is not a reply to a `sendmessage`).
    public func messageReceived(from peer: String, _ message: DriverP2PMessage) throws(DriverProtocolError) {
        try notify(Methods.messageReceived, MessageReceived(peer: peer, message: message))
    }

    /// Asks the core something (e.g. ``Methods/signerECDH``) and waits for the answer.
    /// - Parameters:
    ///   - method: the core method.
    ///   - params: its params.
    ///   - resultType: the result type.
    ///   - timeout: how long to wait.
    /// - Returns: the core's result.
    /// - Throws: ``DriverProtocolError``: the core's error, or `timeout`.
    public func request<P: Encodable & Sendable, R: Decodable>(
        _ method: String, _ params: P, as resultType: R.Type, timeout: Duration = .seconds(10)
    ) async throws(DriverProtocolError) -> R {
        let writer = self.writer
        let line: @Sendable (RPCID) throws(DriverProtocolError) -> [UInt8] = { id throws(DriverProtocolError) in
            try RPCCodec.request(id: id, method: method, params: params, framing: writer.framing)
        }
        let frame = try await pending.call(timeout: timeout) { id in
            guard let bytes = try? line(id) else { return false }
            return writer.write(bytes)
        }
        return try frame.result(as: R.self)
    }

    /// ECDH with the node key, done by the core (the key never enters the driver).
    /// - Parameter point: a compressed public key, 33 bytes.
    /// - Returns: SHA256 of the compressed shared point, 32 bytes.
    /// - Throws: ``DriverProtocolError`` from the core or the transport.
    public func ecdh(point: [UInt8]) async throws(DriverProtocolError) -> [UInt8] {
        let result = try await request(Methods.signerECDH, ECDHParams(point: Hex.encode(point)), as: ECDHResult.self)
        return try Hex.decode(result.secret, field: "secret")
    }
}
