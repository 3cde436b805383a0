import Testing
@testable import BitcoinPrimitives

/// Damage loops over every sample: each single-bit flip of each payload either fails with a
/// typed error or yields a message that is stable under encode/decode. Nothing traps.
@Suite struct CodecRobustnessTests {
    @Test func everyBitFlipOfEveryPayloadIsHandled() throws {
        var decodedCount = 0, refusedCount = 0
        for m in try CodecSamples.messages() {
            if case .unknown = m { continue }
            let payload = m.encodePayload()
            // Long payloads: flip every bit of the first 160 bytes (headers, counts, scripts).
            for bit in 0..<(8 * min(payload.count, 160)) {
                var damaged = payload
                damaged[bit / 8] ^= UInt8(1) << (bit % 8)
                do {
                    let d = try P2PMessage.decode(command: m.command, payload: damaged)
                    decodedCount += 1
                    let again = try P2PMessage.decode(command: d.command, payload: d.encodePayload())
                    #expect(again == d, "\(m.command) bit \(bit): unstable after re-encoding")
                } catch {
                    refusedCount += 1
                }
            }
        }
        // Both outcomes occur: the loop really exercises decoding and refusal.
        #expect(decodedCount > 0)
        #expect(refusedCount > 0)
    }

    /// Each bit of the 24-byte header flipped, with the outcome the format dictates.
    @Test func everyBitFlipOfTheFrameHeaderIsHandled() throws {
        let frame = P2PMessage.ping(nonce: 1).v1Encoded(magic: .main)
        for bit in 0..<(8 * P2PMessageHeader.size) {
            var damaged = frame
            let byte = bit / 8
            damaged[byte] ^= UInt8(1) << (bit % 8)
            var d = V1FrameDecoder(magic: .main)
            let outcome = Result { () throws(P2PFramingError) -> [P2PFrame] in try d.decode(damaged) }
            switch byte {
            case 0..<4:
                #expect(throws: P2PFramingError.self, "magic bit \(bit)") { try outcome.get() }
                if case .failure(let e) = outcome { #expect(e.isFatal) }
            case 4..<16:
                if let renamed = try? P2PCommand(wireField: damaged[4..<16]) {
                    // Still a valid name ("pinf", "ping "): the checksum covers only the payload.
                    #expect(try outcome.get() == [P2PFrame(command: renamed, payload: Array(frame[24...]))])
                } else if case .failure(let e) = outcome, case .invalidCommand = e.kind {
                } else {
                    Issue.record("command bit \(bit): \(outcome)")
                }
            case 16..<20:
                let length = UInt32(damaged[16]) | UInt32(damaged[17]) << 8 | UInt32(damaged[18]) << 16 | UInt32(damaged[19]) << 24
                switch outcome {
                case .success(let frames):
                    #expect(frames.isEmpty && length > 8 && length <= 4_000_000, "length bit \(bit)")
                case .failure(let e):
                    if length > 4_000_000 {
                        #expect(e.kind == .oversizedPayload(length: length, limit: 4_000_000))
                    } else {
                        guard case .badChecksum = e.kind, length < 8 else { Issue.record("length bit \(bit): \(e)"); continue }
                    }
                }
            default:
                guard case .failure(let e) = outcome, case .badChecksum = e.kind else {
                    Issue.record("checksum bit \(bit): \(outcome)"); continue
                }
            }
        }
    }

    /// Seeded pseudo-random garbage through every decoder (splitmix64: reproducible).
    @Test func randomGarbageNeverTraps() throws {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        let commands: [P2PCommand] = [
            .version, .verack, .ping, .pong, .getheaders, .headers, .inv, .getdata, .notfound, .block, .tx, .feefilter,
        ]
        for round in 0..<2000 {
            let length = Int(next() % 300)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: next()) }
            let command = commands[round % commands.count]
            _ = try? P2PMessage.decode(command: command, payload: bytes)
            _ = try? Transaction(bytes: bytes)
            _ = try? Block(bytes: bytes)
            var d = V1FrameDecoder(magic: .main)
            _ = try? d.decode(NetworkMagic.main.wireBytes + bytes)
        }
    }
}
