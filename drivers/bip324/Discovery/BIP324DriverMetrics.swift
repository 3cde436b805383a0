import AddressManager
import BitcoinPrimitives
import DriverProtocol
import Foundation
import Prometheus

/// Driver mode's Prometheus gauges (`metrics=HOST:PORT`, served by HTTPService's `HTTPServer`),
/// refreshed every second from the address book and the peer registry (issue #19):
///
/// - `bip324_addrman_addresses{table="new"|"tried"}`: addresses in the address manager.
/// - `bip324_connections{network="ipv4"|"ipv6"|"onion"|"i2p"|"cjdns",direction="inbound"|"outbound"}`:
///   ready peers.
/// - `bip324_banned`: hosts banned now (`bantime`).
/// - `bip324_addr_relay_queued`: gossiped addresses waiting in the peers' relay queues;
///   `bip324_addr_relayed`: addresses relayed to peers since start; `bip324_addr_relay_dropped`:
///   addresses not queued because a peer's queue (1,000) was full.
final class BIP324DriverMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// Sets every gauge from the current state.
    /// - Parameters:
    ///   - book: the address book (nil without discovery: zeros).
    ///   - peers: the ready peers (`listpeers`).
    ///   - relay: the relay table's counts (nil without discovery: zeros).
    func update(book: AddressBook?, peers: [PeerInfo], relay: AddressRelayTable.Stats? = nil) {
        let relay = relay ?? AddressRelayTable.Stats()
        registry.makeGauge(name: "bip324_addr_relay_queued").set(Double(relay.queued))
        registry.makeGauge(name: "bip324_addr_relayed").set(Double(relay.relayed))
        registry.makeGauge(name: "bip324_addr_relay_dropped").set(Double(relay.dropped))
        let (new, tried, banned) = book?.with { m in (m.counts.new, m.counts.tried, m.bannedCount(now: AddressBook.now)) } ?? (0, 0, 0)
        registry.makeGauge(name: "bip324_addrman_addresses", labels: [("table", "new")]).set(Double(new))
        registry.makeGauge(name: "bip324_addrman_addresses", labels: [("table", "tried")]).set(Double(tried))
        registry.makeGauge(name: "bip324_banned").set(Double(banned))
        for network in AddressNetwork.allCases {
            for direction in [PeerInfo.Direction.inbound, .outbound] {
                let count = peers.filter { ($0.network ?? Self.network(of: $0.address)) == network.name && $0.direction == direction }.count
                registry.makeGauge(name: "bip324_connections", labels: [("network", network.name), ("direction", direction.rawValue)])
                    .set(Double(count))
            }
        }
    }

    /// The network of a `connect=` peer's address text (no discovery fields): IPv4/IPv6 literal
    /// or a .onion name; names count as ipv4.
    static func network(of address: String?) -> String {
        guard let address, let hp = try? HostPort(parsing: address) else { return AddressNetwork.ipv4.name }
        return PeerAddress(hp)?.network.name ?? AddressNetwork.ipv4.name
    }
}
