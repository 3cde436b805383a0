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
final class BIP324DriverMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    /// Sets every gauge from the current state.
    /// - Parameters:
    ///   - book: the address book (nil without discovery: zeros).
    ///   - peers: the ready peers (`listpeers`).
    func update(book: AddressBook?, peers: [PeerInfo]) {
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
