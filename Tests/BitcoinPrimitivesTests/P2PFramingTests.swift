import Testing
@testable import BitcoinPrimitives

@Suite struct P2PFramingTests {
    /// verack on mainnet: magic, "verack" padded to 12, length 0, checksum of the empty payload
    /// (sha256d("") starts 5df6e0e2). Byte layout per the v1 protocol documentation.
    @Test func verackWireBytes() throws {
        let bytes = P2PMessage.verack.v1Encoded(magic: .main)
        #expect(bytes.hex == "f9beb4d9" + "76657261636b000000000000" + "00000000" + "5df6e0e2")
        var d = V1FrameDecoder(magic: .main)
        #expect(try d.decode(bytes) == [P2PFrame(command: .verack, payload: [])])
        #expect(d.bufferedByteCount == 0)
    }

    @Test func byteAtATimeDecodesLikeWholeBuffer() throws {
        var stream: [UInt8] = []
        for m in try CodecSamples.messages() { stream += m.v1Encoded(magic: .regtest) }
        var whole = V1FrameDecoder(magic: .regtest)
        let expected = try whole.decode(stream)
        var drip = V1FrameDecoder(magic: .regtest)
        var dripped: [P2PFrame] = []
        for b in stream { dripped += try drip.decode([b]) }
        #expect(dripped == expected)
        // Odd chunk sizes, too.
        for chunk in [2, 3, 7, 23, 24, 25, 1000] {
            var d = V1FrameDecoder(magic: .regtest)
            var out: [P2PFrame] = []
            var i = 0
            while i < stream.count {
                out += try d.decode(stream[i..<min(i + chunk, stream.count)])
                i += chunk
            }
            #expect(out == expected, "chunk \(chunk)")
        }
        #expect(expected.count == (try CodecSamples.messages()).count)
    }

    @Test func truncatedFrameAtEveryOffsetWaitsWithoutError() throws {
        let frame = try P2PMessage.tx(CodecSamples.segwitTx()).v1Encoded(magic: .main)
        for cut in 0..<frame.count {
            var d = V1FrameDecoder(magic: .main)
            #expect(try d.decode(frame[0..<cut]).isEmpty, "cut at \(cut)")
            // Once the 24-byte header is in, it is parsed and only payload bytes stay buffered.
            #expect(d.bufferedByteCount == (cut < 24 ? cut : cut - 24))
            // The rest completes it.
            #expect(try d.decode(frame[cut...]).count == 1, "cut at \(cut)")
        }
    }

    @Test func wrongMagicIsFatal() throws {
        let bytes = P2PMessage.verack.v1Encoded(magic: .testnet3)
        var d = V1FrameDecoder(magic: .main)
        #expect(throws: P2PFramingError(.wrongMagic(expected: .main, got: .testnet3), streamOffset: 0)) {
            try d.decode(bytes)
        }
        #expect(throws: P2PFramingError(.decoderFailed, streamOffset: 0)) {
            try d.decode(P2PMessage.verack.v1Encoded(magic: .main))
        }
        // A stopped decoder keeps nothing of what it is still fed.
        d.feed([UInt8](repeating: 0, count: 100_000))
        #expect(d.bufferedByteCount == 0)
    }

    /// The length is refused as soon as the 24-byte header is in, with no payload sent at all.
    @Test func oversizedPayloadRefusedFromTheHeaderAlone() throws {
        for length: UInt32 in [4_000_001, .max] {
            var w = ByteWriter()
            P2PMessageHeader(magic: .main, command: .block, payloadLength: length, checksum: 0).write(to: &w)
            var d = V1FrameDecoder(magic: .main)
            do {
                _ = try d.decode(w.bytes)
                Issue.record("accepted a \(length)-byte payload header")
            } catch {
                #expect(error.kind == .oversizedPayload(length: length, limit: 4_000_000))
                #expect(error.isFatal)
            }
        }
        // Exactly the limit is allowed: the decoder waits for the payload.
        var w = ByteWriter()
        P2PMessageHeader(magic: .main, command: .block, payloadLength: 4_000_000, checksum: 0).write(to: &w)
        var d = V1FrameDecoder(magic: .main)
        #expect(try d.decode(w.bytes).isEmpty)
    }

    @Test func badChecksumDropsOnlyThatMessage() throws {
        var bad = P2PMessage.ping(nonce: 7).v1Encoded(magic: .main)
        bad[20] ^= 0x01
        let good = P2PMessage.pong(nonce: 7).v1Encoded(magic: .main)
        var d = V1FrameDecoder(magic: .main)
        d.feed(bad + good)
        do {
            _ = try d.nextFrame()
            Issue.record("bad checksum accepted")
        } catch {
            guard case .badChecksum(let command, _, _) = error.kind else {
                Issue.record("unexpected \(error)"); return
            }
            #expect(command == .ping)
            #expect(!error.isFatal)
        }
        #expect(try d.nextFrame() == P2PMessage.pong(nonce: 7).frame)
        #expect(try d.nextFrame() == nil)
    }

    @Test func flippedPayloadBitFailsTheChecksum() throws {
        let frame = P2PMessage.ping(nonce: 0x1122_3344_5566_7788).v1Encoded(magic: .main)
        for bit in 0..<(8 * 8) {
            var damaged = frame
            damaged[24 + bit / 8] ^= UInt8(1) << (bit % 8)
            var d = V1FrameDecoder(magic: .main)
            #expect(throws: P2PFramingError.self) { try d.decode(damaged) }
        }
    }

    @Test func invalidCommandFields() throws {
        let cases: [[UInt8]] = [
            Array("ver\0ack\0\0\0\0\0".utf8),  // a byte after the NUL padding started
            [UInt8](repeating: 0, count: 12),  // empty
            Array("verack\u{7f}\0\0\0\0\0".utf8),  // DEL is not printable
            Array("verack\n\0\0\0\0\0".utf8),  // control character
            [0x76, 0xc3, 0xa9, 0, 0, 0, 0, 0, 0, 0, 0, 0],  // non-ASCII
        ]
        for field in cases {
            #expect(field.count == 12)
            #expect(throws: DecodingError.self) { try P2PCommand(wireField: field) }
            // In a stream: the message is dropped, the next one still decodes.
            var w = ByteWriter()
            w.writeBytes(NetworkMagic.main.wireBytes)
            w.writeBytes(field)
            w.writeLE(UInt32(0))
            w.writeLE(P2PMessageHeader.checksum(of: []))
            var d = V1FrameDecoder(magic: .main)
            d.feed(w.bytes + P2PMessage.verack.v1Encoded(magic: .main))
            do {
                _ = try d.nextFrame()
                Issue.record("invalid command accepted")
            } catch {
                guard case .invalidCommand = error.kind else { Issue.record("unexpected \(error)"); return }
                #expect(!error.isFatal)
            }
            #expect(try d.nextFrame()?.command == .verack)
        }
        #expect(try P2PCommand(wireField: Array("twelve_chars".utf8)).name == "twelve_chars")
        #expect(throws: DecodingError.self) { try P2PCommand("thirteen_char") }
        #expect(throws: DecodingError.self) { try P2PCommand("") }
    }

    @Test func streamOffsetsNameTheFailingMessage() throws {
        let ok = P2PMessage.verack.v1Encoded(magic: .main)
        var d = V1FrameDecoder(magic: .main)
        #expect(throws: P2PFramingError(.wrongMagic(expected: .main, got: .regtest), streamOffset: 48)) {
            try d.decode(ok + ok + P2PMessage.verack.v1Encoded(magic: .regtest))
        }
    }
}

@Suite struct P2PFramingLimitTests {
    /// A payload of exactly 4,000,000 bytes, fed in 64 KiB chunks, decodes.
    @Test func payloadAtTheLimitDecodes() throws {
        let payload = (0..<P2PLimits.maxPayloadLength).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frame = P2PFrame(command: try P2PCommand("bigunknown"), payload: payload)
        let bytes = frame.encoded(magic: .signet)
        var d = V1FrameDecoder(magic: .signet)
        var out: [P2PFrame] = []
        var i = 0
        while i < bytes.count {
            out += try d.decode(bytes[i..<min(i + 65_536, bytes.count)])
            i += 65_536
        }
        #expect(out == [frame])
        #expect(d.bufferedByteCount == 0)
    }

    /// A lower limit set by the caller (e.g. before the handshake) is enforced the same way.
    @Test func callerLimit() throws {
        var d = V1FrameDecoder(magic: .main, maxPayloadLength: 100)
        #expect(throws: P2PFramingError.self) {
            try d.decode(P2PMessage.unknown(command: try P2PCommand("x"), payload: Array(repeating: 0, count: 101)).v1Encoded(magic: .main))
        }
    }
}
