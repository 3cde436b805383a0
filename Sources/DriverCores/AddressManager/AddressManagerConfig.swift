/// The address manager's sizes, Bitcoin Core's addrman (src/addrman_impl.h) scaled for a sidecar
/// that keeps a handful of outbound peers: Core has 1,024 new and 256 tried buckets of 64.
public struct AddressManagerConfig: Sendable, Equatable {
    /// New table: addresses heard of, never connected to. 256 x 64 = 16,384 slots.
    public var newBuckets = 256
    /// Tried table: addresses we completed a handshake with. 64 x 64 = 4,096 slots.
    public var triedBuckets = 64
    /// Slots per bucket (Core `ADDRMAN_BUCKET_SIZE = 64`).
    public var bucketSize = 64
    /// New buckets one source group's gossip can reach. Core: 64 of 1,024
    /// (`ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP`), one sixteenth; kept at one sixteenth here, so one
    /// peer (or one /16 of peers) can fill at most 16 x 64 = 1,024 new slots.
    public var newBucketsPerSourceGroup = 16
    /// Tried buckets one address group can reach (Core: 8 of 256; here 8 of 64).
    public var triedBucketsPerGroup = 8
    /// 127/8 is accepted and grouped by /16 (`testloopbackgroups`, tests only).
    public var loopbackGroups = false
    /// Most bans kept; the ones ending soonest go first when it is full.
    public var maxBans = 4096
    /// Most anchors kept (the last good outbound peers).
    public var maxAnchors = 16

    public init() {}

    /// Every slot of both tables: the most addresses the manager holds.
    public var capacity: Int { (newBuckets + triedBuckets) * bucketSize }
}
