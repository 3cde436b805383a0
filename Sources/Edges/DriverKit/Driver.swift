import DriverProtocol

/// A transport driver, as DriverKit runs it. Implement the methods your transport supports;
/// the defaults answer that the method is not supported. ``DriverRunner`` handles the protocol:
/// framing, `getmanifest` and version negotiation, `ping`, `shutdown`, errors and ids.
///
/// ```swift
/// @main struct MyDriver: Driver { ... static func main() async { await DriverRunner.main(MyDriver()) } }
/// ```
public protocol Driver: Sendable {
    /// What the driver declares in its manifest; the protocol version is filled in by the runner after negotiation.
    var info: DriverDescription { get }

    /// `init`: configure and start connecting.
    /// - Throws: any error; it is sent to the core, which then stops the driver.
    func start(_ params: InitParams, context: DriverContext) async throws

    /// `sendmessage`: send a P2P message to one or any peer and collect the expected reply.
    func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult

    /// `listpeers`.
    func listPeers(context: DriverContext) async throws -> ListPeersResult

    /// `broadcasttx`.
    func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult

    /// `disconnectpeer`: drop a peer (the core found it misbehaving, e.g. invalid headers).
    /// The default answers `methodNotFound`.
    func disconnectPeer(_ params: DisconnectPeerParams, context: DriverContext) async throws

    /// `shutdown`: close connections; the runner answers and returns afterwards.
    func stop(context: DriverContext) async

    /// Any other method (driver-specific extensions). The default answers `methodNotFound`.
    /// - Returns: the result line, built with `RPCCodec.result(id:_:)` (a JSON line reads in
    ///   either framing; pass `framing: context.framing` to match the pipe's).
    func handle(_ frame: RPCFrame, id: RPCID, context: DriverContext) async throws -> [UInt8]
}

/// What a driver says about itself in its manifest.
public struct DriverDescription: Sendable {
    public var name: String
    public var version: String
    public var capabilities: TransportCapabilities
    public var options: [OptionSpec]
    /// Protocol versions this driver speaks.
    public var protocolVersions: [Int]
    /// Framings this driver speaks (DriverKit reads and writes both; `[.json]` keeps a driver on
    /// JSON lines whatever the core offers).
    public var framings: [DriverFraming]

    public init(
        name: String, version: String, capabilities: TransportCapabilities, options: [OptionSpec] = [],
        protocolVersions: [Int] = ProtocolVersion.supported, framings: [DriverFraming] = DriverFraming.allCases
    ) {
        self.name = name
        self.version = version
        self.capabilities = capabilities
        self.options = options
        self.protocolVersions = protocolVersions
        self.framings = framings
    }
}

extension Driver {
    public func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
        throw DriverProtocolError(.methodNotFound, "\(info.name) does not send messages")
    }

    public func listPeers(context: DriverContext) async throws -> ListPeersResult {
        ListPeersResult(peers: [])
    }

    public func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult {
        throw DriverProtocolError(.methodNotFound, "\(info.name) does not carry transactions")
    }

    public func disconnectPeer(_ params: DisconnectPeerParams, context: DriverContext) async throws {
        throw DriverProtocolError(.methodNotFound, "\(info.name) does not disconnect peers")
    }

    public func stop(context: DriverContext) async {}

    public func handle(_ frame: RPCFrame, id: RPCID, context: DriverContext) async throws -> [UInt8] {
        throw DriverProtocolError(.methodNotFound, "unknown method \"\(frame.method ?? "")\"")
    }
}
