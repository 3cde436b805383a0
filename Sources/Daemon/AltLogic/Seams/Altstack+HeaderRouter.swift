import Altstack
import BitcoinPrimitives
import DriverProtocol

/// The real ``HeaderRouter``: the Altstack's drivers, addressed by driver and peer.
extension Altstack: HeaderRouter {
    /// Drivers asked for headers: those that answer `getheaders` as a `sendmessage` result.
    static let headersRequirement = CapabilityRequirement.request(.headers)
    /// Drivers asked for blocks: the same rule as `Altstack.sendMessage` (the block is the
    /// `sendmessage` result, so the RPC driver, `receive: false`, qualifies).
    static let blocksRequirement = CapabilityRequirement.request(.blocks)
    /// The protocol version written in our `getheaders` (Core's current).
    static let getHeadersVersion: UInt32 = 70016

    public func headerPeers() -> [RoutedPeer] {
        eligible(Self.headersRequirement).filter { $0.1.state == .ready }.flatMap { _, snapshot -> [RoutedPeer] in
            // Peers linked at the transport level that do not carry altnet (plain Lightning nodes) are not asked.
            let peers = snapshot.peers.filter { $0.altnet != false }
            guard !peers.isEmpty else { return [RoutedPeer(driver: snapshot.name, peer: nil)] }
            return peers.map { RoutedPeer(driver: snapshot.name, peer: $0.id, address: $0.address, startHeight: $0.startHeight) }
        }
    }

    public func getHeaders(_ locator: [BlockHash], from source: SourceCandidate, timeout: Duration)
        async throws(DriverProtocolError) -> RoutedHeaders
    {
        guard let supervisor = supervisor(named: source.driver) else {
            throw DriverProtocolError(.driverUnavailable, "no driver named \(source.driver)")
        }
        var writer = ByteWriter()
        GetHeadersMessage(version: Self.getHeadersVersion, locator: locator).write(to: &writer)
        let message = DriverP2PMessage(command: "getheaders", payload: writer.bytes.hex)
        let params = SendMessageParams(peer: source.peer, message: message, expect: ["headers"], timeoutMs: Self.milliseconds(timeout))
        let result = try await supervisor.call(Methods.sendMessage, params, timeout: timeout + .seconds(1))
            .result(as: SendMessageResult.self)
        guard let headers = Self.headers(in: result) else {
            throw DriverProtocolError(.peerUnavailable, "no readable headers in the answer from \(result.peer.prefix(80))")
        }
        return RoutedHeaders(peer: result.peer, headers: headers)
    }

    public func blockDrivers() -> [String] {
        eligible(Self.blocksRequirement).filter { $0.1.state == .ready }.map(\.1.name)
    }

    public func getBlock(_ hash: BlockHash, driver: String, peer: String?, timeout: Duration)
        async throws(DriverProtocolError) -> SendMessageResult
    {
        guard let supervisor = supervisor(named: driver) else {
            throw DriverProtocolError(.driverUnavailable, "no driver named \(driver)")
        }
        var writer = ByteWriter()
        Inventory.encodeList([Inventory(type: .witnessBlock, hash: hash.hash)], to: &writer)
        let message = DriverP2PMessage(command: "getdata", payload: writer.bytes.hex)
        let params = SendMessageParams(peer: peer, message: message, expect: ["block", "notfound"], timeoutMs: Self.milliseconds(timeout))
        return try await supervisor.call(Methods.sendMessage, params, timeout: timeout + .seconds(1)).result(as: SendMessageResult.self)
    }

    public func disconnect(driver: String, peer: String, reason: String) async throws(DriverProtocolError) {
        guard let supervisor = supervisor(named: driver) else {
            throw DriverProtocolError(.driverUnavailable, "no driver named \(driver)")
        }
        _ = try await supervisor.call(Methods.disconnectPeer, DisconnectPeerParams(peer: peer, reason: reason), timeout: .seconds(5))
    }

    /// The headers in a `sendmessage` answer, nil when there is no well-formed `headers` reply.
    static func headers(in result: SendMessageResult) -> [BlockHeader]? {
        guard let reply = result.replies.first(where: { $0.command == "headers" }),
              let bytes = try? reply.payloadBytes(),
              case .headers(let headers)? = try? P2PMessage.decode(command: .headers, payload: bytes)
        else { return nil }
        return headers
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
