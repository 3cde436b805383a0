import BitcoinPrimitives
import DriverProtocol
import JSON
import Testing

/// The binary framing's codec and negotiation rules (docs/driver-protocol.md, "Binary framing").
@Suite struct BinaryFramingTests {
    private func frame(_ message: [UInt8]) throws -> RPCFrame {
        #expect(message.first == BinaryFrame.marker)
        var decoder = DriverFrameDecoder()
        let events = decoder.append(message)
        guard events.count == 1, case .frame(let body) = events[0] else { throw DriverProtocolError(.parse, "not one frame: \(events)") }
        return try RPCCodec.parse(frame: body)
    }

    @Test func requestPayloadsTravelRawAndReadBackEqual() throws {
        let payload: [UInt8] = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let params = SendMessageParams(peer: "p1", message: DriverP2PMessage(command: "headers", payloadBytes: payload), expect: ["headers"])
        let encoded = try RPCCodec.request(id: .number(9), method: Methods.sendMessage, params: params, framing: .binary)
        // Marker, length, header length, header, then the payload itself (not hex).
        #expect(Array(encoded.suffix(payload.count)) == payload)
        #expect(encoded.count < payload.count + 200)
        let read = try frame(encoded)
        #expect(read.kind == .request(id: .number(9), method: Methods.sendMessage))
        let back = try read.params(as: SendMessageParams.self)
        #expect(try back.message.payloadBytes() == payload)
        #expect(back.message == params.message)
        #expect(back.expect == ["headers"])
        // A message made from hex goes raw too, and equals its bytes form.
        let hexParams = SendMessageParams(message: DriverP2PMessage(command: "headers", payload: Hex.encode(payload)))
        let fromHex = try frame(try RPCCodec.request(id: .number(1), method: Methods.sendMessage, params: hexParams, framing: .binary))
        #expect(try fromHex.params(as: SendMessageParams.self).message == params.message)
        // The JSON line of a bytes message is the hex it always was.
        let line = try RPCCodec.request(id: .number(1), method: Methods.sendMessage, params: params)
        #expect(String(decoding: line, as: UTF8.self).contains("\"payload\":\"\(Hex.encode(payload))\""))
    }

    @Test func payloadRangesAreChecked() throws {
        func body(_ header: String, payloads: [UInt8]) -> [UInt8] {
            let h = Array(header.utf8)
            return [0, 0, 0, UInt8(h.count)] + h + payloads
        }
        let outside = try RPCCodec.parse(frame: body(
            #"{"jsonrpc":"2.0","method":"messagereceived","params":{"peer":"p","message":{"command":"tx","payload_bin":[2,5]}}}"#,
            payloads: [1, 2, 3, 4, 5, 6]))
        #expect(throws: DriverProtocolError.self) { try outside.params(as: MessageReceived.self) }
        let inside = try RPCCodec.parse(frame: body(
            #"{"jsonrpc":"2.0","method":"messagereceived","params":{"peer":"p","message":{"command":"tx","payload_bin":[1,5]}}}"#,
            payloads: [1, 2, 3, 4, 5, 6]))
        #expect(try inside.params(as: MessageReceived.self).message.payloadBytes() == [2, 3, 4, 5, 6])
        // payload_bin on a JSON line has nothing to point into.
        let line = try RPCCodec.parse(Array(#"{"jsonrpc":"2.0","method":"messagereceived","params":{"peer":"p","message":{"command":"tx","payload_bin":[0,0]}}}"#.utf8))
        #expect(throws: DriverProtocolError.self) { try line.params(as: MessageReceived.self) }
        // A header length past the frame's end.
        #expect(throws: DriverProtocolError.self) { try RPCCodec.parse(frame: [0, 0, 1, 0, 0x7B, 0x7D]) }
        #expect(throws: DriverProtocolError.self) { try RPCCodec.parse(frame: [0, 0]) }
    }

    /// Both ways: binary only when the core offers it and the manifest declares it.
    @Test func negotiation() throws {
        #expect(DriverFraming.choose(offered: [.json, .binary], declared: [.json, .binary]) == .binary)
        #expect(DriverFraming.choose(offered: [.json, .binary], declared: nil) == .json)
        #expect(DriverFraming.choose(offered: [.json, .binary], declared: [.json]) == .json)
        #expect(DriverFraming.choose(offered: [.json], declared: [.json, .binary]) == .json)
        #expect(DriverFraming.choose(offered: [], declared: [.binary]) == .json)
        #expect(DriverFraming.declare(offered: nil, spoken: [.json, .binary]) == nil)
        #expect(DriverFraming.declare(offered: [.json], spoken: [.json, .binary]) == [.json])
        #expect(DriverFraming.declare(offered: [.json, .binary], spoken: [.json, .binary]) == [.json, .binary])
        // An older core offers nothing: the manifest has no `framings` member at all.
        let manifest = Manifest(name: "x", version: "1", protocolVersion: 1,
                                capabilities: TransportCapabilities(send: true, receive: true, messageKinds: [.headers]))
        #expect(!String(decoding: try RPCCodec.result(id: .number(1), manifest), as: UTF8.self).contains("framings"))
        // Names this version does not know are ignored, not refused.
        let params = try RPCCodec.parse(Array(#"{"jsonrpc":"2.0","id":1,"method":"getmanifest","params":{"protocol_versions":[1],"framings":["zstd","binary"]}}"#.utf8))
            .params(as: GetManifestParams.self)
        #expect(params.offeredFramings == [.binary])
    }
}
