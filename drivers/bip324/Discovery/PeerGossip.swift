import AddressManager
import BitcoinPrimitives
import DriverProtocol

/// What one connection tells discovery and what discovery has it send (issue #19): built by
/// ``Discovery/gossip(for:direction:origin:)`` and held by its ``PeerChannelHandler``.
struct PeerGossip: Sendable {
    /// The remote address, when it is one (a name dialled through SOCKS5 is still an address
    /// here: .onion names are).
    let address: PeerAddress?
    /// `listpeers` fields.
    let network: String?
    let group: String?
    let source: AddressOrigin
    /// The handshake finished on this transport; returns the messages to send now (a `getaddr`
    /// to an outbound peer, our `externalip` in `addrv2` or `addr`). `send` queues a message to
    /// the peer later, from any thread (relayed addresses).
    let ready: @Sendable (_ transport: PeerInfo.WireTransport, _ sendAddrV2: Bool, _ send: @escaping @Sendable (String, [UInt8]) -> Void)
        -> [(String, [UInt8])]
    /// Addresses the peer sent (`addr`/`addrv2`, already decoded and bounded).
    let addresses: @Sendable ([AddressEntry]) -> Void
    /// The peer asked for addresses; returns the answer (only inbound peers are answered, once).
    let getaddr: @Sendable () -> [AddressEntry]
    /// The peer broke the protocol: ban it.
    let misbehaved: @Sendable (String) -> Void
    /// The connection ended.
    let closed: @Sendable () -> Void
}
