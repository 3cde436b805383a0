import AltLogic

/// One simulated node for `altnet-bench eclipse`: `drivers` drivers, each with `peersPerDriver`
/// connected peers drawn independently from an address space part of which is the attacker's,
/// and the rules that decide a rescue over them. No sockets, no chains: a peer is honest (it has
/// the better chain and shows it) or the attacker's (it withholds, lies with a lower-work chain,
/// or sends invalid headers). The fan-out rule runs the real ``SourceSelection`` and ``Quorum``.
struct EclipseModel {
    /// Where the attacker's addresses are.
    enum Space: String {
        /// A fraction f of all addresses, spread evenly over the groups (a botnet).
        case addresses
        /// A fraction f of the network groups, each holding `concentration` times as many
        /// addresses as an honest group (rented ranges packed with addresses).
        case groups
    }

    /// What the attacker's peers answer a `getheaders`.
    enum Attack: String, CaseIterable {
        /// An empty `headers`: "nothing newer".
        case withhold
        /// A valid chain with less work than the honest one. To the rules it reads as an empty
        /// reply does ("nothing better"); what it costs the attacker (real proof of work) is
        /// not modelled.
        case lie
        /// Headers that fail validation: the peer is dropped and its answer does not count.
        case invalid
    }

    /// How one rescue ends.
    enum Outcome {
        /// The honest, better chain was found (some asked source was honest).
        case honestChain
        /// `no-better-chain` concluded on the attacker's answers alone: the eclipse holds.
        case attackersDecide
        /// Neither: `inconclusive` (retried later) or, for the old rule, a failed rescue.
        case undecided
    }

    /// A connected peer: what the rules see, and who it really is.
    struct Peer {
        var candidate: SourceCandidate
        var attacker: Bool
    }

    let drivers: Int
    let peersPerDriver: Int
    let space: Space
    let attack: Attack
    let perDriver: Int
    let quorum: Quorum
    /// The probability that one drawn address is the attacker's.
    let attackerAddressShare: Double
    /// Network groups in the address space.
    let groupCount: Int
    /// In ``Space/groups``, groups `0..<attackerGroups` are the attacker's.
    private let attackerGroups: Int
    private let groupNames: [String]
    private let driverNames: [String]
    private let peerIDs: [String]
    /// Candidate key to its index in ``node(using:)``'s array.
    private let indexByKey: [String: Int]

    /// - Parameters:
    ///   - f: the attacker's share of addresses (``Space/addresses``) or of groups (``Space/groups``), in (0, 1).
    ///   - groupCount: network groups in the address space.
    ///   - concentration: addresses in an attacker group per address in an honest one (``Space/groups``).
    init(drivers: Int, peersPerDriver: Int, f: Double, space: Space, attack: Attack,
         perDriver: Int, quorum: Quorum, groupCount: Int, concentration: Double) {
        self.drivers = drivers
        self.peersPerDriver = peersPerDriver
        self.space = space
        self.attack = attack
        self.perDriver = perDriver
        self.quorum = quorum
        self.groupCount = groupCount
        switch space {
        case .addresses:
            attackerGroups = 0
            attackerAddressShare = f
        case .groups:
            let owned = min(max(Int((f * Double(groupCount)).rounded()), 1), groupCount - 1)
            attackerGroups = owned
            let weight = Double(owned) * concentration
            attackerAddressShare = weight / (weight + Double(groupCount - owned))
        }
        groupNames = (0..<groupCount).map { "g\($0)" }
        driverNames = (0..<drivers).map { "driver\($0)" }
        peerIDs = (0..<peersPerDriver).map { String($0 + 1) }  // connection order, as the BIP324 driver numbers peers
        var index: [String: Int] = [:]
        for d in 0..<drivers {
            for p in 0..<peersPerDriver {
                index[SourceCandidate(driver: driverNames[d], peer: peerIDs[p], group: "").key] = d * peersPerDriver + p
            }
        }
        indexByKey = index
    }

    /// Draws every driver's connected peers, driver by driver, each in connection order.
    func node<R: RandomNumberGenerator>(using rng: inout R) -> [Peer] {
        var peers: [Peer] = []
        peers.reserveCapacity(drivers * peersPerDriver)
        for d in 0..<drivers {
            for p in 0..<peersPerDriver {
                let attacker = Double.random(in: 0..<1, using: &rng) < attackerAddressShare
                let group: Int
                switch space {
                case .addresses:
                    group = Int.random(in: 0..<groupCount, using: &rng)
                case .groups:
                    group = attacker
                        ? Int.random(in: 0..<attackerGroups, using: &rng)
                        : Int.random(in: attackerGroups..<groupCount, using: &rng)
                }
                peers.append(Peer(
                    candidate: SourceCandidate(driver: driverNames[d], peer: peerIDs[p], group: groupNames[group]),
                    attacker: attacker))
            }
        }
        return peers
    }

    /// The old rule: an anycast to the first driver, answered by its first connected peer; an
    /// empty or lower-work reply ends the rescue as `no-better-chain`.
    func single(_ node: [Peer]) -> Outcome {
        guard let first = node.first else { return .undecided }
        return answer(of: first.attacker)
    }

    /// The old rule when the attacker can make its peer the one asked whenever it has one on
    /// the first driver (the Lightning driver asked the lowest node id, which a key can be
    /// ground for; a BIP324 peer can connect first).
    func singleGround(_ node: [Peer]) -> Outcome {
        answer(of: node.prefix(peersPerDriver).contains(where: \.attacker))
    }

    private func answer(of attacker: Bool) -> Outcome {
        guard attacker else { return .honestChain }
        return attack == .invalid ? .undecided : .attackersDecide
    }

    /// The new rule: ``SourceSelection/choose(_:perDriver:using:)`` over every driver's peers;
    /// the best valid chain wins if any chosen source is honest; otherwise `no-better-chain`
    /// only if the sources that answered "nothing better" meet the ``Quorum``.
    ///
    /// - Parameter ignoringGroups: choose as if every peer were a group of its own (the quorum
    ///   still counts real groups): the control that shows what group diversity buys.
    func fanout<R: RandomNumberGenerator>(_ node: [Peer], ignoringGroups: Bool = false, using rng: inout R) -> Outcome {
        var candidates = node.map(\.candidate)
        if ignoringGroups {
            for i in candidates.indices { candidates[i].group = "peer:\(candidates[i].key)" }
        }
        let chosen = SourceSelection.choose(candidates, perDriver: perDriver, using: &rng)
        var nothingBetter: [SourceCandidate] = []
        for source in chosen {
            guard let index = indexByKey[source.key] else { continue }
            let peer = node[index]
            if !peer.attacker { return .honestChain }
            // Invalid headers are no answer: the peer is dropped and counts for nothing.
            if attack != .invalid { nothingBetter.append(peer.candidate) }
        }
        return quorum.isMet(by: nothingBetter) ? .attackersDecide : .undecided
    }
}
