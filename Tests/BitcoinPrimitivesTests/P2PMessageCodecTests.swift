import Testing
@testable import BitcoinPrimitives

@Suite struct P2PMessageCodecTests {
    @Test func everyMessageRoundTrips() throws {
        for m in try CodecSamples.messages() {
            let payload = m.encodePayload()
            let decoded = try P2PMessage.decode(command: m.command, payload: payload)
            #expect(decoded == m, "\(m.command)")
            #expect(decoded.encodePayload() == payload, "\(m.command)")
        }
    }

    @Test func everyMessageRoundTripsThroughV1Framing() throws {
        let messages = try CodecSamples.messages()
        var stream: [UInt8] = []
        for m in messages { stream += m.v1Encoded(magic: .main) }
        var d = V1FrameDecoder(magic: .main)
        let frames = try d.decode(stream)
        #expect(try frames.map { try P2PMessage(frame: $0) } == messages)
    }

    @Test func truncatedPayloadFailsAtEveryOffset() throws {
        for m in try CodecSamples.messages() {
            if case .unknown = m { continue }
            if case .version(let v) = m, v.relay == nil { continue }  // covered by the relay sample
            let payload = m.encodePayload()
            for cut in 0..<payload.count {
                let prefix = payload[0..<cut]
                var ok = false
                do {
                    let d = try P2PMessage.decode(command: m.command, payload: prefix)
                    // The only legal prefix: a version without its optional relay byte.
                    if case .version(let v) = d, v.relay == nil, cut == payload.count - 1 { ok = true }
                } catch {
                    ok = true
                }
                #expect(ok, "\(m.command) accepted a payload cut at \(cut) of \(payload.count)")
            }
        }
    }

    @Test func trailingBytesRefusedExceptAfterVersion() throws {
        for m in try CodecSamples.messages() {
            if case .unknown = m { continue }
            let payload = m.encodePayload() + [0]
            if case .version(let v) = m {
                if v.relay != nil {
                    // Core ignores bytes after the relay flag.
                    #expect(try P2PMessage.decode(command: .version, payload: payload) == m)
                }
                continue
            }
            #expect(throws: DecodingError.self, "\(m.command)") {
                try P2PMessage.decode(command: m.command, payload: payload)
            }
        }
    }

    /// A CompactSize of 1,000,000,000 in place of each count: refused on the count, with no
    /// allocation of the claimed elements (the input is a few bytes long).
    @Test func billionItemCountsFailAtOnce() throws {
        var billion = ByteWriter()
        billion.writeCompactSize(1_000_000_000)
        let count = billion.bytes
        let header = try CodecSamples.genesisBlock().header.serialized
        let cases: [(P2PCommand, [UInt8], String)] = [
            (.headers, count, "headers"),
            (.inv, count, "inventory entries"),
            (.getdata, count, "inventory entries"),
            (.notfound, count, "inventory entries"),
            (.getheaders, [0x80, 0x38, 1, 0] + count, "locator hashes"),
            (.block, header + count, "transactions"),
            (.tx, [1, 0, 0, 0] + count, "inputs"),
            (.version, [UInt8](repeating: 0, count: 80) + count, "user agent"),
        ]
        for (command, payload, field) in cases {
            do {
                _ = try P2PMessage.decode(command: command, payload: payload)
                Issue.record("\(command) accepted a billion-item count")
            } catch {
                switch error.kind {
                case .tooLarge(let f, let value, _):
                    #expect(f == field)
                    #expect(value == 1_000_000_000)
                case .truncated(let needed, _):
                    // Within the type's own limit (block, tx): refused because the bytes left
                    // could not hold that many elements, still before allocating.
                    #expect(needed >= 1_000_000_000, "\(command)")
                default:
                    Issue.record("\(command): unexpected \(error)")
                }
            }
        }
    }

    @Test func countsAtCoresLimitsAreAcceptedAndOneMoreIsNot() throws {
        let header = try CodecSamples.genesisBlock().header
        let atLimit = P2PMessage.headers(Array(repeating: header, count: P2PLimits.maxHeaders))
        #expect(try P2PMessage.decode(command: .headers, payload: atLimit.encodePayload()) == atLimit)
        var over = ByteWriter()
        over.writeCompactSize(P2PLimits.maxHeaders + 1)
        #expect(throws: DecodingError(.tooLarge(field: "headers", value: 2001, limit: 2000), at: 0)) {
            try P2PMessage.decode(command: .headers, payload: over.bytes)
        }
        let locator = GetHeadersMessage(version: 1, locator: Array(repeating: .zero, count: 102))
        #expect(throws: DecodingError.self) {
            try P2PMessage.decode(command: .getheaders, payload: P2PMessage.getheaders(locator).encodePayload())
        }
        let inv = Array(repeating: Inventory(type: .tx, hash: .zero), count: P2PLimits.maxInventory + 1)
        #expect(throws: DecodingError.self) {
            try P2PMessage.decode(command: .inv, payload: P2PMessage.inv(inv).encodePayload())
        }
    }

    @Test func headerWithTransactionsIsRefused() throws {
        var w = ByteWriter()
        w.writeCompactSize(1)
        try CodecSamples.genesisBlock().header.write(to: &w)
        w.writeCompactSize(1)
        #expect(throws: DecodingError.self) { try P2PMessage.decode(command: .headers, payload: w.bytes) }
    }

    @Test func versionWireLayout() throws {
        // Field offsets of the version message (protocol documentation, Core's ProcessMessage).
        guard case .version(let v) = try CodecSamples.messages()[0] else { Issue.record("sample order"); return }
        let p = P2PMessage.version(v).encodePayload()
        #expect(p.count == 4 + 8 + 8 + 26 + 26 + 8 + 1 + 16 + 4 + 1)
        #expect(Array(p[0..<4]) == [0x80, 0x11, 0x01, 0x00])  // 70016 LE
        // addr_recv: services 0, then ::ffff:127.0.0.1, then port 8333 big endian.
        #expect(Array(p[28..<40]) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])
        #expect(Array(p[40..<44]) == [127, 0, 0, 1])
        #expect(Array(p[44..<46]) == [0x20, 0x8d])
        #expect(p.last == 1)
        #expect(v.receiver.ip.description == "127.0.0.1")
        #expect(v.sender.ip.ipv4 == nil)
        // A relay byte of 2 reads as true, as Core reads a bool.
        var two = p
        two[two.count - 1] = 2
        guard case .version(let v2) = try P2PMessage.decode(command: .version, payload: two) else {
            Issue.record("not a version"); return
        }
        #expect(v2.relay == true)
        // A user agent longer than 256 bytes is refused on its length.
        var long = v
        long.userAgent = Array(repeating: 0x41, count: 257)
        #expect(throws: DecodingError.self) {
            try P2PMessage.decode(command: .version, payload: P2PMessage.version(long).encodePayload())
        }
    }

    @Test func inventoryTypes() {
        #expect(InventoryType.witnessBlock.rawValue == 0x4000_0002)
        #expect(InventoryType.witnessTx.rawValue == 0x4000_0001)
        #expect(InventoryType.witnessBlock.isWitness)
        #expect(InventoryType.witnessBlock.base == .block)
        #expect(!InventoryType.wtx.isWitness)
        #expect(InventoryType.witnessTx.description == "WITNESS_TX")
    }
}

@Suite struct P2PMessageDescriptionTests {
    @Test func descriptionsNameTheCommand() throws {
        for m in try CodecSamples.messages() {
            #expect(m.description.hasPrefix(m.command.name), "\(m.description)")
        }
        #expect(P2PMessage.block(try CodecSamples.genesisBlock()).description
            == "block(\(CodecSamples.genesisHash), 1 transactions)")
    }
}
