import BitcoinPrimitives
import Foundation
import LightningAltnetMessages
import Testing

/// P2P messages through encoder and reassembler: small, 2,000 real headers, 1 MB and 4 MB blocks.
@Suite struct RoundTripTests {
    let t0 = ContinuousClock.now

    func roundTrip(_ message: AltnetMessage,
                   limits: AltnetReassemblyLimits = AltnetReassemblyLimits()) throws -> [LightningMessage] {
        var encoder = AltnetEncoder()
        let wire = encoder.encode(message)
        for piece in wire {
            #expect(piece.wireSize <= LightningMessage.maxWireSize)
            #expect(AltnetWire.isAltnet(type: piece.type))
            #expect(piece.type % 2 == 1 && piece.type >= 32_768)
        }
        var reassembler = Reassembler(limits: limits)
        let out = try reassembler.feed(wire, now: t0)
        #expect(out == [message])
        #expect(reassembler.bufferedByteCount == 0)
        #expect(reassembler.reservedByteCount == 0)
        #expect(reassembler.messagesInFlight == 0)
        return wire
    }

    @Test func smallMessagesTravelWhole() throws {
        let locator = try Fixtures.mainnetHeaders(3).map(\.hash)
        let small: [P2PMessage] = [
            .getheaders(GetHeadersMessage(version: 70016, locator: locator, hashStop: .zero)),
            .getdata([Inventory(type: .witnessBlock, hash: locator[0].hash)]),
            .notfound([Inventory(type: .witnessTx, hash: locator[1].hash)]),
            .headers([]),
        ]
        for p2p in small {
            let wire = try roundTrip(try Fixtures.altnet(p2p))
            #expect(wire.count == 1)
            #expect(wire[0].type == AltnetWire.messageType)
        }
        // An empty payload and a payload filling one Lightning message exactly (65,535 bytes).
        _ = try roundTrip(try AltnetMessage(command: "tx", payload: []))
        let fullest = try AltnetMessage(command: "block", payload: Fixtures.bytes(65_535 - 2 - 6, seed: 1))
        let wire = try roundTrip(fullest)
        #expect(wire.count == 1 && wire[0].wireSize == 65_535)
        // One byte more needs two fragments.
        let over = try AltnetMessage(command: "block", payload: Fixtures.bytes(65_535 - 2 - 5, seed: 1))
        #expect(try roundTrip(over).map(\.type) == [AltnetWire.fragmentType, AltnetWire.fragmentType])
    }

    /// Wire layout fixed by docs/lightning-messages.md, byte for byte.
    @Test func wireLayoutMatchesTheSpecification() throws {
        var encoder = AltnetEncoder(firstMessageID: 0x0102_0304, fragmentDataSize: 13)
        let whole = encoder.encode(try AltnetMessage(command: "tx", payload: [0xde, 0xad]))
        #expect(whole == [LightningMessage(type: 42_001, payload: [0x02, 0x74, 0x78, 0xde, 0xad])])

        let big = try AltnetMessage(command: "tx", payload: Fixtures.bytes(65_533, seed: 2))
        let pieces = encoder.encode(big)
        let total = 3 + 65_533
        #expect(pieces.count == (total + 12) / 13)
        let first = try #require(pieces.first)
        #expect(first.type == 42_003)
        #expect(Array(first.payload.prefix(12)) ==
            [0x01, 0x02, 0x03, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])  // total 65,536
        #expect(Array(first.payload[12..<15]) == [0x02, 0x74, 0x78])
        #expect(Array(pieces[1].payload[8..<12]) == [0x00, 0x00, 0x00, 0x0d])  // offset 13
        #expect(encoder.nextMessageID == 0x0102_0305)
    }

    /// 2,000 real mainnet headers as a `headers` message: 162,003 bytes, three fragments, decoded
    /// back by BitcoinPrimitives into the same headers.
    @Test func twoThousandMainnetHeaders() throws {
        let headers = try Fixtures.mainnetHeaders(2000)
        let message = try Fixtures.altnet(.headers(headers))
        #expect(message.payload.count == 3 + 2000 * 81)
        let wire = try roundTrip(message)
        #expect(wire.count == 3)
        #expect(wire.allSatisfy { $0.type == AltnetWire.fragmentType })
        #expect(wire.dropLast().allSatisfy { $0.wireSize == LightningMessage.maxWireSize })

        var reassembler = Reassembler()
        let out = try #require(try reassembler.feed(wire, now: t0).first)
        let decoded = try P2PMessage.decode(command: try P2PCommand(out.command), payload: out.payload)
        #expect(decoded == .headers(headers))
    }

    @Test(arguments: [1_000_000, 4_000_000])
    func blockSizedPayloads(size: Int) throws {
        let block = try Fixtures.block(serializedSize: size, seed: UInt64(size))
        let message = try Fixtures.altnet(.block(block))
        let wire = try roundTrip(message)
        let body = 1 + 5 + size
        #expect(wire.count == (body + AltnetWire.maxFragmentData - 1) / AltnetWire.maxFragmentData)

        var reassembler = Reassembler()
        let out = try #require(try reassembler.feed(wire, now: t0).first)
        #expect(try P2PMessage.decode(command: .block, payload: out.payload) == .block(block))
    }

    /// The largest body the defaults accept: a 12-character command and a 4,000,000-byte payload
    /// (raw pass-through of a command outside the seven when configured so).
    @Test func largestMessageAndRawCommands() throws {
        let message = try AltnetMessage(command: "abcdefghijkl", payload: Fixtures.bytes(4_000_000, seed: 3))
        _ = try roundTrip(message, limits: AltnetReassemblyLimits(acceptedCommands: nil))
        #expect(throws: AltnetEncodingError.payloadTooLarge(length: 4_000_001, limit: 4_000_000)) {
            try AltnetMessage(command: "block", payload: [UInt8](repeating: 0, count: 4_000_001))
        }
        for bad in ["", "thirteen-char", "t\u{7f}", "ü"] {
            #expect(throws: AltnetEncodingError.self) { try AltnetMessage(command: bad, payload: []) }
        }
    }

    /// Every fragment may arrive in its own call, and the reassembler's counters track exactly
    /// the data received so far and the total reserved.
    @Test func countersFollowTheFragments() throws {
        var encoder = AltnetEncoder()
        let message = try AltnetMessage(command: "block", payload: Fixtures.bytes(300_000, seed: 4))
        let wire = encoder.encode(message)
        var reassembler = Reassembler()
        var received = 0
        for (i, piece) in wire.enumerated() {
            let outcome = try reassembler.receive(piece, now: t0)
            received += piece.payload.count - AltnetWire.fragmentHeaderSize
            if i < wire.count - 1 {
                #expect(outcome == .buffered(messageID: 0, received: received, totalLength: 300_006))
                #expect(reassembler.bufferedByteCount == received - 6)
                #expect(reassembler.reservedByteCount == 300_006)
            } else {
                #expect(outcome == .complete(message))
            }
        }
        #expect(reassembler.bufferedByteCount == 0 && reassembler.reservedByteCount == 0)
    }

    /// A receiver also takes a small message sent as fragments, or as one fragment holding all.
    @Test func smallMessagesMayArriveAsFragments() throws {
        let body: [UInt8] = [2] + Array("tx".utf8) + Fixtures.bytes(100, seed: 5)
        let expected = try AltnetMessage(command: "tx", payload: Array(body[3...]))
        func piece(id: UInt32, offset: Int, end: Int) -> LightningMessage {
            BadPeerTests.fragment(id: id, total: UInt32(body.count), offset: UInt32(offset),
                                  data: Array(body[offset..<end]))
        }
        var r = Reassembler()
        #expect(try r.receive(piece(id: 1, offset: 0, end: body.count), now: t0) == .complete(expected))
        #expect(try r.receive(piece(id: 2, offset: 0, end: 3), now: t0)
            == .buffered(messageID: 2, received: 3, totalLength: body.count))
        #expect(try r.receive(piece(id: 2, offset: 3, end: 50), now: t0)
            == .buffered(messageID: 2, received: 50, totalLength: body.count))
        #expect(try r.receive(piece(id: 2, offset: 50, end: body.count), now: t0) == .complete(expected))
        #expect(r.reservedByteCount == 0 && r.bufferedByteCount == 0)
    }

    @Test func otherLightningMessagesAreNotConsumed() throws {
        var reassembler = Reassembler()
        for type: UInt16 in [16, 17, 18, 19, 32_769, 42_000, 42_002, 42_005] {
            #expect(try reassembler.receive(LightningMessage(type: type, payload: [1, 2, 3]), now: t0) == .notAltnet)
        }
    }
}
