import BOLT8

/// Selector 15: BOLT 1 messages (`init` with its TLV stream and BigSize fields, `ping`, `pong`,
/// `error`, `warning`, unknown types) as a peer sends them after the BOLT 8 handshake.
///
/// Besides "no trap": a reference reader written here from BOLT 1's text (BigSize minimal
/// encodings, TLV types strictly increasing, lengths within the stream, "it's ok to be odd")
/// must accept exactly what ``BOLT1Message/decode(_:understoodCustomTypes:)`` accepts, and
/// re-encoding must give the input back, byte for byte, except where BOLT 1 lets a reader drop
/// bytes: the tail after a message's fields (reserved for extensions) and unknown odd TLV records
/// in `init`. Those are the only differences allowed, and the reference says which they are.
enum BOLT1Fuzz {
    static let custom: Set<UInt16> = [32768, 32769, 48879]

    static func run(_ input: inout FuzzInput) {
        let mode = input.byte()
        var bytes = input.remaining()
        // Mode bit 0: force the type to one BOLT 1 defines, so mutations reach the payloads.
        if mode & 1 != 0 {
            let types: [UInt16] = [MessageType.`init`, MessageType.`init`, MessageType.ping, MessageType.pong, MessageType.error, MessageType.warning]
            let type = types[Int(mode >> 1) % types.count]
            bytes = [UInt8(type >> 8), UInt8(type & 0xff)] + bytes
        }
        check(bytes)
    }

    static func check(_ bytes: [UInt8]) {
        let decoded = Result { () throws(LightningMessageError) in try BOLT1Message.decode(bytes, understoodCustomTypes: custom) }
        let expected = Reference.decode(bytes, custom: custom)
        switch (decoded, expected) {
        case (.failure(let error), nil):
            _ = error.description
            return
        case (.failure(let error), let canonical?):
            FuzzTargets.check(false, "BOLT 1 decode refused \(bytes.count) bytes the reference reads as \(canonical.count) (\(error))")
        case (.success(let message), nil):
            FuzzTargets.check(false, "BOLT 1 decode accepted bytes the reference refuses: \(message.type)")
        case (.success(let message), let canonical?):
            if case .ignored = message { return }
            guard canonical.count <= 65_535 else {
                // BOLT 8 carries at most 65,535 bytes: such a message cannot be sent back.
                FuzzTargets.check((try? message.encoded()) == nil, "BOLT 1 encoded a message above 65,535 bytes")
                return
            }
            guard let encoded = try? message.encoded() else {
                FuzzTargets.check(false, "BOLT 1 message \(message.type) decoded but does not encode")
                return
            }
            FuzzTargets.check(encoded == canonical, "BOLT 1 \(message.type) re-encodes to other bytes than its canonical form")
            let again = try? BOLT1Message.decode(encoded, understoodCustomTypes: custom)
            FuzzTargets.check(again == message, "BOLT 1 \(message.type) does not survive encode/decode")
            if case .ping(let ping) = message, let pong = ping.response {
                FuzzTargets.check(ping.numPongBytes < Ping.pongLimit && pong.ignored.count == Int(ping.numPongBytes), "pong length differs from num_pong_bytes")
                FuzzTargets.check((try? BOLT1Message.pong(pong).encoded()) != nil, "the pong answering a ping does not encode")
            }
            if case .initMessage(let m) = message {
                for bit in [-1, 0, 1, 7, 8, 255, 65535 * 8, Int.max / 2] { _ = m.hasFeature(bit) }
            }
        }
    }

    /// BOLT 1 read from its text, independently of the module: returns the canonical encoding of
    /// what a reader keeps (type, fields, known TLV records), or nil for a message to refuse.
    enum Reference {
        struct Reader {
            var bytes: ArraySlice<UInt8>
            mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
                guard n >= 0, bytes.count >= n else { return nil }
                defer { bytes = bytes.dropFirst(n) }
                return bytes.prefix(n)
            }
            mutating func u16() -> Int? { take(2).map { Int($0.first!) << 8 | Int($0.last!) } }
            mutating func bigSize() -> UInt64? {
                guard let first = take(1)?.first else { return nil }
                let width: Int, minimum: UInt64
                switch first {
                case 0xfd: (width, minimum) = (2, 0xfd)
                case 0xfe: (width, minimum) = (4, 0x1_0000)
                case 0xff: (width, minimum) = (8, 0x1_0000_0000)
                default: return UInt64(first)
                }
                guard let field = take(width) else { return nil }
                let value = field.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                return value >= minimum ? value : nil
            }
        }

        static func bigSize(_ value: UInt64) -> [UInt8] {
            func be(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
            if value < 0xfd { return [UInt8(value)] }
            if value <= 0xffff { return [0xfd] + be(value, 2) }
            if value <= 0xffff_ffff { return [0xfe] + be(value, 4) }
            return [0xff] + be(value, 8)
        }

        static func decode(_ bytes: [UInt8], custom: Set<UInt16>) -> [UInt8]? {
            guard bytes.count >= 2 else { return nil }
            let type = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            var r = Reader(bytes: bytes[2...])
            let head = Array(bytes[..<2])
            switch type {
            case 16:
                guard let g = r.u16(), let gf = r.take(g), let f = r.u16(), let ff = r.take(f) else { return nil }
                var out = head
                out += bytes[2..<4]
                out += gf
                out += bytes[(4 + g)..<(6 + g)]
                out += ff
                var previous: UInt64?
                while !r.bytes.isEmpty {
                    guard let t = r.bigSize(), let l = r.bigSize() else { return nil }
                    if let previous, t <= previous { return nil }
                    previous = t
                    guard l <= UInt64(r.bytes.count), let value = r.take(Int(l)) else { return nil }
                    switch t {
                    case 1:
                        guard value.count % 32 == 0 else { return nil }
                        out += bigSize(t)
                        out += bigSize(l)
                        out += value
                    case 3:
                        out += bigSize(t)
                        out += bigSize(l)
                        out += value
                    default:
                        guard t % 2 == 1 else { return nil }
                    }
                }
                return out
            case 1, 17:
                guard let id = r.take(32), let n = r.u16(), let data = r.take(n) else { return nil }
                var out = head
                out += id
                out += bytes[34..<36]
                out += data
                return out
            case 18:
                guard let num = r.take(2), let n = r.u16(), let ignored = r.take(n) else { return nil }
                var out = head
                out += num
                out += bytes[4..<6]
                out += ignored
                return out
            case 19:
                guard let n = r.u16(), let ignored = r.take(n) else { return nil }
                var out = head
                out += bytes[2..<4]
                out += ignored
                return out
            default:
                if custom.contains(type) { return bytes }
                return type % 2 == 1 ? head : nil
            }
        }
    }
}

extension Result where Failure == LightningMessageError {
    init(_ body: () throws(LightningMessageError) -> Success) {
        do throws(LightningMessageError) { self = .success(try body()) } catch { self = .failure(error) }
    }
}
