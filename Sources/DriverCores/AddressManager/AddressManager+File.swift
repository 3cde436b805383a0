import BitcoinPrimitives

/// Why an `addrman.dat` was refused.
public struct AddressFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension AddressManager {
    /// `ALTNADDR`: the file's first 8 bytes.
    static let fileMagic: [UInt8] = Array("ALTNADDR".utf8)
    /// Format version; a loader refuses any other.
    public static let fileVersion: UInt8 = 1

    /// The file contents: magic, version, key, the addresses with their history, anchors, bans,
    /// and a trailing SHA256d checksum of everything before it. The caller writes it atomically.
    ///
    /// ```
    /// "ALTNADDR" | version u8 | key 32 | count u32 | count x record | anchors u8 x address
    ///   | bans u32 x (address, until i64) | sha256d(all before) 32
    /// record: address | time u32 | services u64 | origin u8 | source group bytes, name
    ///   | last try i64 | last success i64 | attempts u32 | tried u8
    /// address: network u8 | CompactSize length, bytes | port u16 BE
    /// ```
    public func serialized() -> [UInt8] {
        var w = ByteWriter(capacity: 64 + records.count * 80)
        w.writeBytes(Self.fileMagic)
        w.writeUInt8(Self.fileVersion)
        w.writeBytes(key)
        let ordered = records.values.sorted { Self.addressKey($0.address).lexicographicallyPrecedes(Self.addressKey($1.address)) }
        w.writeLE(UInt32(ordered.count))
        for r in ordered {
            Self.write(r.address, to: &w)
            w.writeLE(r.time)
            w.writeLE(r.services)
            w.writeUInt8(r.origin.rawValue)
            w.writeVarBytes(r.sourceGroup.bytes)
            w.writeVarBytes(Array(r.sourceGroup.description.utf8))
            w.writeLE(UInt64(bitPattern: r.lastTry))
            w.writeLE(UInt64(bitPattern: r.lastSuccess))
            w.writeLE(UInt32(clamping: r.attempts))
            w.writeUInt8(r.inTried ? 1 : 0)
        }
        w.writeUInt8(UInt8(anchors.count))
        for a in anchors { Self.write(a, to: &w) }
        let orderedBans = bans.sorted { Self.addressKey($0.key).lexicographicallyPrecedes(Self.addressKey($1.key)) }
        w.writeLE(UInt32(orderedBans.count))
        for (host, until) in orderedBans {
            Self.write(host, to: &w)
            w.writeLE(UInt64(bitPattern: until))
        }
        w.writeBytes(Hashes.sha256d(w.bytes))
        return w.bytes
    }

    /// Loads a file written by ``serialized()``. Every count is checked against the configured
    /// sizes before anything is allocated; addresses are placed again from the file's key.
    /// - Parameters:
    ///   - bytes: the file contents.
    ///   - config: the sizes (they may differ from the writer's: placement is recomputed).
    /// - Throws: ``AddressFileError`` for anything but a whole, intact file of this version.
    public init(serialized bytes: [UInt8], config: AddressManagerConfig = AddressManagerConfig()) throws(AddressFileError) {
        guard bytes.count >= 8 + 1 + 32 + 4 + 1 + 4 + 32 else { throw AddressFileError("\(bytes.count) bytes: too short") }
        let body = bytes[..<(bytes.count - 32)]
        guard Hashes.sha256d(body) == Array(bytes.suffix(32)) else { throw AddressFileError("checksum does not match") }
        do {
            self = try Self.parse(body, config: config)
        } catch let error as AddressFileError {
            throw error
        } catch {
            throw AddressFileError("malformed: \(error)")
        }
    }

    private static func parse(_ body: ArraySlice<UInt8>, config: AddressManagerConfig) throws -> AddressManager {
        var r = ByteReader(body)
        guard try r.readArray(8) == Self.fileMagic else { throw AddressFileError("not an addrman file (magic)") }
        let version = try r.readUInt8()
        guard version == Self.fileVersion else { throw AddressFileError("format version \(version), expected \(Self.fileVersion)") }
        var manager = AddressManager(key: try r.readArray(32), config: config)
        let count = Int(try r.readLE(UInt32.self))
        guard count <= config.capacity else { throw AddressFileError("\(count) addresses, more than the capacity \(config.capacity)") }
        var loaded: [AddressRecord] = []
        loaded.reserveCapacity(count)
        for _ in 0..<count {
            let address = try Self.readAddress(&r)
            let time: UInt32 = try r.readLE()
            let services: UInt64 = try r.readLE()
            guard let origin = AddressOrigin(rawValue: try r.readUInt8()) else { throw AddressFileError("unknown origin") }
            let groupBytes = Array(try r.readVarBytes("source group", limit: 256))
            let groupName = String(decoding: try r.readVarBytes("source group name", limit: 300), as: UTF8.self)
            var record = AddressRecord(
                address: address, time: time, services: services, origin: origin,
                sourceGroup: AddressGroup(bytes: groupBytes, description: groupName))
            record.lastTry = try r.readInt64LE()
            record.lastSuccess = try r.readInt64LE()
            record.attempts = Int(try r.readLE(UInt32.self))
            record.inTried = try r.readUInt8() == 1
            loaded.append(record)
        }
        let anchorCount = Int(try r.readUInt8())
        var anchors: [PeerAddress] = []
        for _ in 0..<anchorCount { anchors.append(try Self.readAddress(&r)) }
        let banCount = Int(try r.readLE(UInt32.self))
        guard banCount <= config.maxBans else { throw AddressFileError("\(banCount) bans, more than \(config.maxBans)") }
        for _ in 0..<banCount {
            let host = try Self.readAddress(&r)
            manager.bans[host] = try r.readInt64LE()
        }
        try r.expectEnd()
        manager.place(loaded)
        manager.setAnchors(anchors)
        return manager
    }

    /// Puts loaded records back into their slots (tried first); a record whose slot is taken or
    /// that this configuration does not accept is dropped.
    private mutating func place(_ loaded: [AddressRecord]) {
        for var record in loaded.filter(\.inTried) where accepts(record.address) {
            let slot = triedSlot(record.address)
            if triedSlots[slot] == nil {
                triedSlots[slot] = record.address
                records[record.address] = record
            } else {
                record.inTried = false
                placeNew(record)
            }
        }
        for record in loaded where !record.inTried && accepts(record.address) { placeNew(record) }
    }

    private mutating func placeNew(_ record: AddressRecord) {
        let slot = newSlot(record.address, source: record.sourceGroup)
        guard newSlots[slot] == nil, records[record.address] == nil else { return }
        newSlots[slot] = record.address
        records[record.address] = record
    }

    static func write(_ a: PeerAddress, to w: inout ByteWriter) {
        w.writeUInt8(a.network.rawValue)
        w.writeVarBytes(a.bytes)
        w.writeBE(a.port)
    }

    static func readAddress(_ r: inout ByteReader) throws(DecodingError) -> PeerAddress {
        let id = try r.readUInt8()
        guard let network = AddressNetwork(rawValue: id) else { throw DecodingError(.invalid("network id \(id)"), at: r.offset) }
        let bytes = Array(try r.readVarBytes("address", limit: 32))
        let port: UInt16 = try r.readBE()
        return try PeerAddress(network: network, bytes: bytes, port: port)
    }
}
