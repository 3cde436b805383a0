import Watchdog

/// A peer (or a driver without peer listing) the fan-out may ask.
///
/// Independence is judged by network group, as Bitcoin Core spreads its outbound connections
/// over groups so that one operator holding many addresses in one range cannot fill them
/// (src/netgroup.cpp `NetGroupManager::GetGroup`, used by `CConnman::ThreadOpenConnections`).
/// Two peers of one driver in one group count as one source for the quorum (``Quorum``), and
/// ``SourceSelection`` spreads its choice over groups first.
public struct SourceCandidate: Sendable, Hashable, CustomStringConvertible {
    /// The driver's name.
    public var driver: String
    /// The driver-scoped peer id; nil lets the driver pick (a driver that lists no peers).
    public var peer: String?
    /// The network group: ``NetworkGroup/of(address:network:)`` from Watchdog, or
    /// `peer:<driver>/<id>` when the peer has no readable address (one group per peer);
    /// ``group(forAddress:driver:peer:)`` makes it.
    public var group: String
    /// The peer withheld a chain another source proved: asked only after every other peer.
    public var demoted: Bool

    /// - Parameters:
    ///   - driver: the driver's name.
    ///   - peer: the driver-scoped peer id, or nil to let the driver pick.
    ///   - group: the network group (see ``group(forAddress:driver:peer:)``).
    ///   - demoted: whether the peer withheld a chain another source proved.
    public init(driver: String, peer: String?, group: String, demoted: Bool = false) {
        self.driver = driver
        self.peer = peer
        self.group = group
        self.demoted = demoted
    }

    /// `driver/peer`, or `driver/*` when the driver picks.
    public var key: String { "\(driver)/\(peer ?? "*")" }

    public var description: String {
        "\(key) [\(group)\(demoted ? ", demoted" : "")]"
    }

    /// The group that independence is judged by: ``group``, except that a candidate without a
    /// peer id is a group of its own (`peer:<driver>/*`), whatever group it was given: nothing
    /// says which peer the driver will pick, so it cannot share a group with a listed one.
    var independenceGroup: String { peer == nil ? "peer:\(key)" : group }

    /// The network group of a peer address, for ``group``.
    ///
    /// - Parameters:
    ///   - address: the peer's transport address (`host:port`, `[ipv6]:port`), if the driver
    ///     lists one.
    ///   - driver: the driver's name.
    ///   - peer: the driver-scoped peer id (nil: the driver picks).
    /// - Returns: ``NetworkGroup/of(address:network:)`` (IPv4 /16, IPv6 /32, one group per
    ///   overlay network), or `peer:<driver>/<id>` (`peer:<driver>/*` without an id) when the
    ///   address is missing or cannot be read (a host name, garbage): such a peer is a group
    ///   of its own. Loopback and private addresses are grouped like any other IPv4 or IPv6
    ///   address (all of 127.0.0.1 is `ipv4:127.0`): drivers list no `network` field that
    ///   would mark them unroutable.
    public static func group(forAddress address: String?, driver: String, peer: String?) -> String {
        let own = "peer:\(driver)/\(peer ?? "*")"
        guard let address, !address.isEmpty else { return own }
        let group = NetworkGroup.of(address: address, network: nil)
        return group.hasPrefix("unknown:") ? own : group
    }
}
