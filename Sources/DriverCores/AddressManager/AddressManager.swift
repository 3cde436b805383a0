import BitcoinPrimitives

/// The BIP324 driver's own address manager, Bitcoin Core's addrman idea (src/addrman.cpp) sized
/// for a sidecar, pure and sans I/O: the clock (`now`, Unix seconds) and randomness come in as
/// arguments, the file bytes go in and out (``serialized()``, ``init(serialized:config:)``).
///
/// Two tables of buckets of slots. An address heard of goes to the *new* table, into one of the
/// ``AddressManagerConfig/newBucketsPerSourceGroup`` buckets its source's group maps to (a keyed
/// hash of the source group and the address's group, so an attacker without the secret `key`
/// cannot aim at buckets), at a position chosen by a keyed hash of the address. A slot holds one
/// address: a newcomer takes an occupied slot only from a terrible one, so a flood from one
/// source overwrites only its own share. An address we completed a handshake with moves to the
/// *tried* table (bucketed by its own group); the tried address it collides with goes back to new.
/// The total is bounded by the slot count (``AddressManagerConfig/capacity``).
public struct AddressManager: Sendable {
    public let config: AddressManagerConfig
    /// The secret bucketing key (32 bytes, random per installation, kept in the file).
    public let key: [UInt8]
    var records: [PeerAddress: AddressRecord] = [:]
    /// Slot index (bucket * bucketSize + position) -> address.
    var newSlots: [Int: PeerAddress] = [:]
    var triedSlots: [Int: PeerAddress] = [:]
    /// Host (address with port 0) -> ban end, Unix seconds.
    var bans: [PeerAddress: Int64] = [:]
    /// The last good outbound peers, most recent first.
    public internal(set) var anchors: [PeerAddress] = []

    /// - Parameters:
    ///   - key: 32 random bytes.
    ///   - config: sizes and the loopback test mode.
    public init(key: [UInt8], config: AddressManagerConfig = AddressManagerConfig()) {
        self.key = key
        self.config = config
    }

    /// Addresses in the new and tried tables.
    public var counts: (new: Int, tried: Int) { (newSlots.count, triedSlots.count) }
    /// All addresses held.
    public var count: Int { records.count }

    /// Addresses held of one network.
    public func count(of network: AddressNetwork) -> Int { records.keys.lazy.filter { $0.network == network }.count }

    /// What is known of `address`, if it is held.
    public func record(_ address: PeerAddress) -> AddressRecord? { records[address] }

    /// The group of an address under this manager's settings.
    public func group(of address: PeerAddress) -> AddressGroup {
        AddressGroup.of(address, loopbackGroups: config.loopbackGroups)
    }

    /// Whether an address may be kept at all (routable, or loopback in the test mode).
    public func accepts(_ address: PeerAddress) -> Bool {
        Routability.isRoutable(address, loopback: config.loopbackGroups)
    }

    /// Adds addresses heard from a source.
    /// - Parameters:
    ///   - entries: the addresses (gossip is at most 1,000 per message; the codec checked that).
    ///   - source: the group of whoever told us (a peer's group, or ``AddressGroup/named(_:)``).
    ///   - origin: how they were learned.
    ///   - now: Unix seconds.
    /// - Returns: how many were new to the manager.
    @discardableResult
    public mutating func add(_ entries: [AddressEntry], source: AddressGroup, origin: AddressOrigin, now: Int64) -> Int {
        var added = 0
        for entry in entries where add(entry, source: source, origin: origin, now: now) { added += 1 }
        return added
    }

    private mutating func add(_ entry: AddressEntry, source: AddressGroup, origin: AddressOrigin, now: Int64) -> Bool {
        let address = entry.address
        guard accepts(address) else { return false }
        // Core penalises relayed timestamps by two hours and clamps ones from the future.
        let claimed = Int64(entry.time)
        let time = UInt32(clamping: (claimed > now + 600 || claimed < 100_000_000) ? now - 5 * 86_400 : max(0, claimed - 7200))
        if var known = records[address] {
            if time > known.time { known.time = time }
            known.services |= entry.services
            records[address] = known
            return false
        }
        let record = AddressRecord(address: address, time: time, services: entry.services, origin: origin, sourceGroup: source)
        let slot = newSlot(address, source: source)
        if let occupant = newSlots[slot] {
            guard let other = records[occupant], other.isTerrible(now: now) else { return false }
            records[occupant] = nil
        }
        newSlots[slot] = address
        records[address] = record
        return true
    }

    /// Records a connection attempt (before its outcome is known).
    public mutating func attempt(_ address: PeerAddress, now: Int64) {
        guard var record = records[address] else { return }
        record.lastTry = now
        record.attempts += 1
        records[address] = record
    }

    /// The handshake with `address` completed: it moves to the tried table. An address not held
    /// yet (an `addnode`, an anchor) is added first as `origin`.
    public mutating func good(_ address: PeerAddress, origin: AddressOrigin = .manual, now: Int64) {
        if records[address] == nil {
            let entry = AddressEntry(time: UInt32(clamping: now), services: 0, address: address)
            add([entry], source: .named(origin.description), origin: origin, now: now)
        }
        guard var record = records[address] else { return }
        record.lastSuccess = now
        record.lastTry = now
        record.time = UInt32(clamping: now)
        record.attempts = 0
        if !record.inTried {
            let old = newSlot(address, source: record.sourceGroup)
            if newSlots[old] == address { newSlots[old] = nil }
            let slot = triedSlot(address)
            if let evicted = triedSlots[slot], var old = records[evicted] {
                // The old tried address goes back to new, or is dropped if its new slot is taken.
                old.inTried = false
                let back = newSlot(evicted, source: old.sourceGroup)
                if newSlots[back] == nil {
                    newSlots[back] = evicted
                    records[evicted] = old
                } else {
                    records[evicted] = nil
                }
            }
            triedSlots[slot] = address
            record.inTried = true
        }
        records[address] = record
    }

    /// Remembers the last good outbound peers (most recent first), tried first after a restart.
    public mutating func setAnchors(_ addresses: [PeerAddress]) {
        var seen = Set<PeerAddress>()
        anchors = Array(addresses.filter { seen.insert($0).inserted }.prefix(config.maxAnchors))
    }

    // MARK: Bucketing (keyed hashes; Core's GetNewBucket / GetTriedBucket / GetBucketPosition)

    func keyedHash(_ parts: [UInt8]...) -> UInt64 {
        var data = key
        for p in parts {
            data += [UInt8(truncatingIfNeeded: p.count)]
            data += p
        }
        let h = Hashes.sha256d(data)
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(h[i]) << (8 * i) }
        return v
    }

    static func addressKey(_ a: PeerAddress) -> [UInt8] {
        [a.network.rawValue] + a.bytes + [UInt8(a.port >> 8), UInt8(a.port & 0xff)]
    }

    static func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }

    /// New bucket: one of `newBucketsPerSourceGroup` for the source group, picked by the
    /// address's group; then a position by the address.
    func newSlot(_ address: PeerAddress, source: AddressGroup) -> Int {
        let group = self.group(of: address).bytes
        let h1 = keyedHash(group, source.bytes) % UInt64(config.newBucketsPerSourceGroup)
        let bucket = Int(keyedHash(source.bytes, Self.le(h1)) % UInt64(config.newBuckets))
        let position = Int(keyedHash([0x4e], Self.le(UInt64(bucket)), Self.addressKey(address)) % UInt64(config.bucketSize))
        return bucket * config.bucketSize + position
    }

    /// Tried bucket: one of `triedBucketsPerGroup` for the address's group, picked by the address.
    func triedSlot(_ address: PeerAddress) -> Int {
        let h1 = keyedHash(Self.addressKey(address)) % UInt64(config.triedBucketsPerGroup)
        let bucket = Int(keyedHash(group(of: address).bytes, Self.le(h1)) % UInt64(config.triedBuckets))
        let position = Int(keyedHash([0x4b], Self.le(UInt64(bucket)), Self.addressKey(address)) % UInt64(config.bucketSize))
        return bucket * config.bucketSize + position
    }

    /// The new buckets currently holding an address whose source is `source` (for tests and
    /// the flood measurement).
    public func newBuckets(fromSource source: AddressGroup) -> Set<Int> {
        Set(newSlots.compactMap { slot, address in records[address]?.sourceGroup == source ? slot / config.bucketSize : nil })
    }
}
