import Foundation

/// Signs that bitcoind's peers may be controlled by one party (an eclipse). Pure.
public enum EclipseDetector {
    /// Conditions on one peer set: too few outbound full-relay peers, all automatic outbound
    /// peers in one network group, none over v2.
    /// - Parameters:
    ///   - peers: `getpeerinfo`.
    ///   - config: ``WatchdogConfig/minOutboundFullRelay``, ``WatchdogConfig/minOutboundForNetgroupCheck``,
    ///     ``WatchdogConfig/expectV2Outbound``.
    /// - Returns: the findings.
    public static func detect(peers: [PeerObservation], config: WatchdogConfig) -> [Finding] {
        var findings: [Finding] = []
        let outbound = peers.filter(\.isAutomaticOutbound)
        let fullRelay = outbound.filter { $0.connectionType == "outbound-full-relay" }
        if fullRelay.count < config.minOutboundFullRelay {
            findings.append(Finding(
                kind: .fewOutboundPeers, severity: .warning,
                reason: "\(fullRelay.count) outbound full-relay peer(s), fewer than \(config.minOutboundFullRelay)",
                evidence: [
                    "outbound_full_relay": String(fullRelay.count), "outbound_total": String(outbound.count),
                    "peers_total": String(peers.count), "minimum": String(config.minOutboundFullRelay),
                    "addresses": fullRelay.map(\.address).sorted().joined(separator: ","),
                ]))
        }
        let groups = Set(outbound.map { NetworkGroup.of(address: $0.address, network: $0.network) })
        if outbound.count >= config.minOutboundForNetgroupCheck, groups.count == 1, let group = groups.first {
            findings.append(Finding(
                kind: .outboundOneNetgroup, severity: .warning,
                reason: "all \(outbound.count) outbound peers are in one network group (\(group))",
                evidence: ["group": group, "outbound_total": String(outbound.count),
                           "addresses": outbound.map(\.address).sorted().joined(separator: ",")]))
        }
        if config.expectV2Outbound, !outbound.isEmpty, !outbound.contains(where: { $0.transport == "v2" }) {
            findings.append(Finding(
                kind: .noV2Outbound, severity: .info,
                reason: "none of \(outbound.count) outbound peers uses BIP324 v2 transport",
                evidence: ["outbound_total": String(outbound.count),
                           "transports": outbound.map { $0.transport ?? "unknown" }.sorted().joined(separator: ",")]))
        }
        return findings
    }

    /// Compares two consecutive peer sets: every automatic outbound peer replaced.
    /// - Parameters:
    ///   - previous: the earlier `getpeerinfo`.
    ///   - current: the later one.
    ///   - config: ``WatchdogConfig/minOutboundForReplacement``.
    /// - Returns: a warning ``AnomalyKind/outboundReplaced`` finding describing the event, or nil.
    public static func replacement(previous: [PeerObservation], current: [PeerObservation], config: WatchdogConfig) -> Finding? {
        let before = Set(previous.filter(\.isAutomaticOutbound).map(\.address))
        let after = Set(current.filter(\.isAutomaticOutbound).map(\.address))
        guard before.count >= config.minOutboundForReplacement, !after.isEmpty, before.isDisjoint(with: after) else {
            return nil
        }
        return Finding(
            kind: .outboundReplaced, severity: .warning,
            reason: "all \(before.count) outbound peers were replaced between two polls",
            evidence: ["before": before.sorted().joined(separator: ","), "after": after.sorted().joined(separator: ",")])
    }

    /// A one-off replacement stays an open anomaly for ``WatchdogConfig/eventHoldSeconds``.
    /// - Parameters:
    ///   - last: the last replacement finding and when it happened.
    ///   - now: the evaluation time.
    ///   - config: the hold time.
    /// - Returns: the finding while it is held.
    public static func heldReplacement(_ last: (at: Date, finding: Finding)?, now: Date, config: WatchdogConfig) -> [Finding] {
        guard let last, now.timeIntervalSince(last.at) < config.eventHoldSeconds else { return [] }
        return [last.finding]
    }
}
