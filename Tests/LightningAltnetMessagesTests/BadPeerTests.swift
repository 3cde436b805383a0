import Foundation
import LightningAltnetMessages
import Testing

/// Peers that break the format or the limits: every case a typed error with the right action,
/// and the reassembler's counters show what it still holds.
@Suite struct BadPeerTests {
    let t0 = ContinuousClock.now

    /// An `altnet_fragment` written by hand from the layout in docs/lightning-messages.md.
    static func fragment(id: UInt32, total: UInt32, offset: UInt32, data: [UInt8]) -> LightningMessage {
        var payload: [UInt8] = []
        for value in [id, total, offset] {
            payload += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
        }
        return LightningMessage(type: AltnetWire.fragmentType, payload: payload + data)
    }

    /// A first fragment: command prefix and some payload.
    static func first(id: UInt32, total: UInt32, command: String = "block", dataLength: Int = 1000) -> LightningMessage {
        let prefix = [UInt8(command.utf8.count)] + Array(command.utf8)
        return fragment(id: id, total: total, offset: 0,
                        data: prefix + Fixtures.bytes(dataLength - prefix.count, seed: UInt64(id)))
    }

    func fragments(id: UInt32, payloadLength: Int, command: String = "block") throws -> [LightningMessage] {
        var encoder = AltnetEncoder(firstMessageID: id)
        return encoder.encode(try AltnetMessage(command: command, payload: Fixtures.bytes(payloadLength, seed: 9)))
    }

    @Test func streamThatNeverCompletesExpiresAndReleasesMemory() throws {
        var r = Reassembler()
        let wire = try fragments(id: 7, payloadLength: 200_000)
        try #require(wire.count == 4)
        _ = try r.feed(Array(wire.prefix(2)), now: t0)
        #expect(r.messagesInFlight == 1)
        #expect(r.bufferedByteCount == 2 * AltnetWire.maxFragmentData - 6)
        #expect(r.reservedByteCount == 200_006)
        #expect(r.nextDeadline == t0 + .seconds(120))

        #expect(r.expire(now: t0 + .seconds(119)).isEmpty)
        #expect(r.messagesInFlight == 1)
        let expired = r.expire(now: t0 + .seconds(120))
        #expect(expired == [AltnetMessageError(
            .expired(command: "block", received: 2 * AltnetWire.maxFragmentData, totalLength: 200_006), messageID: 7)])
        #expect(expired.first?.action == .dropMessage)
        #expect(r.bufferedByteCount == 0 && r.reservedByteCount == 0 && r.messagesInFlight == 0)
        #expect(r.nextDeadline == nil)

        // The late fragments are discarded quietly; the link is fine for the next message.
        #expect(try r.receive(wire[2], now: t0 + .seconds(121)) == .discarded(messageID: 7))
        #expect(try r.receive(wire[3], now: t0 + .seconds(121)) == .discarded(messageID: 7))
        let next = try fragments(id: 8, payloadLength: 100_000)
        #expect(try r.feed(next, now: t0 + .seconds(122)).count == 1)
        // Once the last late fragment passed, the id is forgotten: a stray one is a violation.
        #expect(altnetError { _ = try r.receive(wire[3], now: t0) }?.reason == .unknownMessage(offset: 196_563))
    }

    @Test func fragmentClaimingHundredMegabytesIsRefusedAtOnce() throws {
        var r = Reassembler()
        let error = try #require(altnetError {
            _ = try r.receive(Self.first(id: 1, total: 100_000_000), now: t0)
        })
        #expect(error == AltnetMessageError(.messageTooLarge(totalLength: 100_000_000, limit: 4_000_013), messageID: 1))
        #expect(error.action == .disconnect)
        #expect(r.bufferedByteCount == 0 && r.reservedByteCount == 0 && r.messagesInFlight == 0)
        // The link is to be closed: nothing more is taken.
        #expect(altnetError { _ = try r.receive(Self.first(id: 2, total: 2000), now: t0) }?.reason == .reassemblerFailed)

        // The boundary: 4,000,013 is admitted, 4,000,014 is not.
        var ok = Reassembler(limits: AltnetReassemblyLimits(acceptedCommands: nil))
        #expect(try ok.receive(Self.first(id: 1, total: 4_000_013), now: t0)
            == .buffered(messageID: 1, received: 1000, totalLength: 4_000_013))
        #expect(ok.bufferedByteCount == 994)
        var over = Reassembler()
        #expect(altnetError { _ = try over.receive(Self.first(id: 1, total: 4_000_014), now: t0) }?.reason
            == .messageTooLarge(totalLength: 4_000_014, limit: 4_000_013))
    }

    @Test func tooManyMessagesInFlight() throws {
        var r = Reassembler()
        let streams = try (0..<5).map { try fragments(id: UInt32($0), payloadLength: 100_000) }
        try #require(streams.allSatisfy { $0.count == 2 })
        for stream in streams.prefix(4) { _ = try r.feed([stream[0]], now: t0) }
        #expect(r.messagesInFlight == 4)
        let held = r.bufferedByteCount
        let error = try #require(altnetError { _ = try r.receive(streams[4][0], now: t0) })
        #expect(error == AltnetMessageError(.tooManyInFlight(limit: 4), messageID: 4))
        #expect(error.action == .dropMessage)
        #expect(r.bufferedByteCount == held && r.reservedByteCount == 4 * 100_006)
        // The refused message's other fragments are discarded, the four others complete.
        #expect(try r.receive(streams[4][1], now: t0) == .discarded(messageID: 4))
        for stream in streams.prefix(4) { #expect(try r.feed(Array(stream.dropFirst()), now: t0).count == 1) }
        #expect(r.bufferedByteCount == 0 && r.reservedByteCount == 0)
    }

    @Test func reservedBytesAreBounded() throws {
        var r = Reassembler(limits: AltnetReassemblyLimits(maxBufferedBytes: 300_000))
        _ = try r.receive(Self.first(id: 1, total: 200_000), now: t0)
        let error = altnetError { _ = try r.receive(Self.first(id: 2, total: 200_000), now: t0) }
        #expect(error == AltnetMessageError(.bufferFull(reserved: 200_000, requested: 200_000, limit: 300_000),
                                            messageID: 2))
        #expect(error?.action == .dropMessage)
        #expect(r.reservedByteCount == 200_000 && r.messagesInFlight == 1)
        _ = try r.receive(Self.first(id: 3, total: 100_000), now: t0)
        #expect(r.reservedByteCount == 300_000)
    }

    @Test func duplicateAndOverlappingFragments() throws {
        let wire = try fragments(id: 3, payloadLength: 200_000)
        try #require(wire.count == 4)
        let second = wire[1].payload
        let overlap = Self.fragment(id: 3, total: 200_006, offset: UInt32(2 * AltnetWire.maxFragmentData - 1),
                                    data: [0])
        let cases: [(LightningMessage, AltnetMessageError.Reason)] = [
            (wire[0], .duplicateFragment(offset: 0, expected: 2 * AltnetWire.maxFragmentData)),
            (wire[1], .duplicateFragment(offset: AltnetWire.maxFragmentData, expected: 2 * AltnetWire.maxFragmentData)),
            (overlap, .duplicateFragment(offset: 2 * AltnetWire.maxFragmentData - 1,
                                         expected: 2 * AltnetWire.maxFragmentData)),
        ]
        #expect(second.count == AltnetWire.fragmentHeaderSize + AltnetWire.maxFragmentData)
        for (bad, reason) in cases {
            var r = Reassembler()
            _ = try r.feed(Array(wire.prefix(2)), now: t0)
            let error = altnetError { _ = try r.receive(bad, now: t0) }
            #expect(error == AltnetMessageError(reason, messageID: 3))
            #expect(error?.action == .disconnect)
            #expect(r.bufferedByteCount == 0 && r.reservedByteCount == 0 && r.messagesInFlight == 0)
        }
    }

    @Test func outOfRangeGapsAndInconsistentFragments() throws {
        let wire = try fragments(id: 5, payloadLength: 200_000)
        try #require(wire.count == 4)
        let total: UInt32 = 200_006
        let cases: [(LightningMessage, AltnetMessageError.Reason)] = [
            (wire[2], .fragmentGap(offset: 2 * AltnetWire.maxFragmentData, expected: AltnetWire.maxFragmentData)),
            (Self.fragment(id: 5, total: total, offset: total - 10, data: Array(repeating: 0, count: 11)),
             .outOfRange(offset: Int(total) - 10, length: 11, totalLength: Int(total))),
            (Self.fragment(id: 5, total: total, offset: 0xffff_ffff, data: [1]),
             .outOfRange(offset: 0xffff_ffff, length: 1, totalLength: Int(total))),
            (Self.fragment(id: 5, total: total + 1, offset: UInt32(AltnetWire.maxFragmentData), data: [1]),
             .totalLengthChanged(was: Int(total), now: Int(total) + 1)),
            (Self.fragment(id: 6, total: total, offset: UInt32(AltnetWire.maxFragmentData), data: [1]),
             .unknownMessage(offset: AltnetWire.maxFragmentData)),
            (Self.fragment(id: 5, total: total, offset: UInt32(AltnetWire.maxFragmentData), data: []),
             .emptyFragment),
        ]
        for (bad, reason) in cases {
            var r = Reassembler()
            _ = try r.feed([wire[0]], now: t0)
            let error = altnetError { _ = try r.receive(bad, now: t0) }
            #expect(error?.reason == reason)
            #expect(error?.action == .disconnect)
            #expect(r.bufferedByteCount == 0 && r.reservedByteCount == 0)
        }
        // A first fragment longer than the total it claims.
        var r = Reassembler()
        #expect(altnetError { _ = try r.receive(Self.first(id: 1, total: 999), now: t0) }?.reason
            == .outOfRange(offset: 0, length: 1000, totalLength: 999))
    }

    @Test func truncatedHeadersAtEveryOffset() throws {
        let valid = Self.first(id: 0x0a0b_0c0d, total: 5000).payload
        for length in 0..<AltnetWire.fragmentHeaderSize {
            var r = Reassembler()
            let bad = LightningMessage(type: AltnetWire.fragmentType, payload: Array(valid.prefix(length)))
            let error = altnetError { _ = try r.receive(bad, now: t0) }
            #expect(error?.reason == .truncated("fragment header needs 12 bytes, got \(length)"))
            #expect(error?.action == .disconnect)
            #expect(r.bufferedByteCount == 0)
        }
        // Header complete, command prefix cut: in a first fragment and in a whole message.
        let body: [UInt8] = [5] + Array("block".utf8) + [1, 2, 3]
        for length in 0..<6 {
            var r = Reassembler()
            var r2 = Reassembler()
            let cut = Array(body.prefix(length))
            let first = Self.fragment(id: 1, total: 5000, offset: 0, data: cut)
            let whole = LightningMessage(type: AltnetWire.messageType, payload: cut)
            let errors = [altnetError { _ = try r.receive(first, now: t0) },
                          altnetError { _ = try r2.receive(whole, now: t0) }]
            if length == 0 {
                // A fragment without data is refused before its prefix is read.
                #expect(errors[0]?.reason == .emptyFragment)
                #expect(errors[1]?.reason == .truncated("command_len missing"))
            } else {
                let cutShort = AltnetMessageError.Reason.truncated(
                    "command of 5 bytes but only \(length - 1) bytes follow command_len")
                #expect(errors.map { $0?.reason } == [cutShort, cutShort])
            }
            #expect(errors.map { $0?.action } == [.disconnect, .disconnect])
        }
        // The rest of the body is the payload: every longer cut is a valid (shorter) message.
        var r = Reassembler()
        #expect(try r.receive(LightningMessage(type: AltnetWire.messageType, payload: Array(body.prefix(6))), now: t0)
            == .complete(try AltnetMessage(command: "block", payload: [])))
    }

    @Test func invalidCommandNames() throws {
        for body: [UInt8] in [[0, 1, 2], [13] + Array("abcdefghijklm".utf8), [2, 0x74, 0x00], [2, 0x74, 0xc3]] {
            for message in [LightningMessage(type: AltnetWire.messageType, payload: body),
                            Self.fragment(id: 1, total: 100_000, offset: 0, data: body)] {
                var r = Reassembler()
                let error = altnetError { _ = try r.receive(message, now: t0) }
                guard case .invalidCommand = error?.reason else {
                    Issue.record("expected invalidCommand for \(body), got \(String(describing: error))")
                    continue
                }
                #expect(error?.action == .disconnect)
            }
        }
    }

    @Test func commandsOutsideTheSevenAreDroppedNotFatal() throws {
        var r = Reassembler()
        let ping = LightningMessage(type: AltnetWire.messageType, payload: [4] + Array("ping".utf8) + [0, 0, 0, 0, 0, 0, 0, 0])
        let error = altnetError { _ = try r.receive(ping, now: t0) }
        #expect(error == AltnetMessageError(.commandNotAccepted("ping")))
        #expect(error?.action == .dropMessage)

        let addr = try fragments(id: 2, payloadLength: 100_000, command: "addr")
        try #require(addr.count == 2)
        #expect(altnetError { _ = try r.receive(addr[0], now: t0) }?.reason == .commandNotAccepted("addr"))
        #expect(r.bufferedByteCount == 0 && r.reservedByteCount == 0)
        #expect(try r.receive(addr[1], now: t0) == .discarded(messageID: 2))
        // Still usable.
        #expect(try r.feed(try fragments(id: 3, payloadLength: 70_000, command: "tx"), now: t0).count == 1)
    }

    @Test func droppedIDMemoryIsBounded() throws {
        var r = Reassembler(limits: AltnetReassemblyLimits(acceptedCommands: ["tx"], rememberedDroppedIDs: 3))
        for id: UInt32 in 0..<5 { _ = altnetError { _ = try r.receive(Self.first(id: id, total: 5000), now: t0) } }
        let late = { (id: UInt32) in Self.fragment(id: id, total: 5000, offset: 1000, data: [1]) }
        #expect(try r.receive(late(4), now: t0) == .discarded(messageID: 4))
        #expect(try r.receive(late(2), now: t0) == .discarded(messageID: 2))
        #expect(altnetError { _ = try r.receive(late(1), now: t0) }?.reason == .unknownMessage(offset: 1000))
    }
}

/// The driver logs `description`: it names the message, the fault and the verdict.
@Suite struct ErrorDescriptionTests {
    @Test func descriptionsCarryTheReasonAndTheVerdict() {
        let tooLarge = AltnetMessageError(.messageTooLarge(totalLength: 100_000_000, limit: 4_000_013), messageID: 9)
        #expect(tooLarge.description
            == "message 9: total_length 100000000 exceeds the limit of 4000013 (protocol violation)")
        let expired = AltnetMessageError(.expired(command: "block", received: 10, totalLength: 20), messageID: 1)
        #expect(expired.description == "message 1: block incomplete at its deadline (10 of 20 bytes), dropped")
    }
}
