import DriverProtocol

/// A driver pipe with binary framing as either side reads it: `DriverFrameDecoder` (lines and
/// frames), `RPCCodec.parse(frame:)`, the payload ranges of `payload_bin`, and our own binary
/// encoding of what was read.
enum DriverFrameFuzz {
    /// Selector 21: a limit byte, a split seed, then the stream.
    static func run(_ input: inout FuzzInput) {
        let limitByte = input.byte()
        let seed = input.byte()
        let bytes = input.remaining()
        let limit = limitByte == 0 ? DriverProtocolLimits.maxLineBytes : Int(limitByte) * 16
        let events = FuzzSplit.sameEvents({ DriverFrameDecoder(maxBytes: limit) }, bytes, seed: seed, limit: limit, name: "DriverFrameDecoder")
        for event in events {
            switch event {
            case .line(let line):
                FuzzTargets.check(line.count <= limit && !line.contains(0x0A), "a line of \(line.count) bytes over \(limit)")
                DriverLineFuzz.read(line)
            case .frame(let body):
                FuzzTargets.check(body.count <= limit, "a frame of \(body.count) bytes over \(limit)")
                read(body)
            case .oversized(let count):
                FuzzTargets.check(count > limit, "\(count) bytes called oversized under \(limit)")
            }
        }
    }

    static func read(_ body: [UInt8]) {
        let frame: RPCFrame
        do throws(DriverProtocolError) {
            frame = try RPCCodec.parse(frame: body)
        } catch {
            _ = RPCCodec.error(id: RPCCodec.id(of: error), error, framing: .binary)
            return
        }
        DriverLineFuzz.decodeParams(frame)
        switch frame.kind {
        case .request(let id, let method):
            if let params = try? frame.params(as: SendMessageParams.self) {
                roundTrip(try? RPCCodec.request(id: id, method: method, params: params, framing: .binary), params, SendMessageParams.self)
            }
        case .notification(let method):
            if let params = try? frame.params(as: MessageReceived.self) {
                roundTrip(try? RPCCodec.notification(method: method, params: params, framing: .binary), params, MessageReceived.self)
            }
        case .result(let id):
            if let result = try? frame.result(as: SendMessageResult.self) {
                roundTrip(try? RPCCodec.result(id: id, result, framing: .binary), result, SendMessageResult.self)
            }
        case .error(_, let error):
            _ = error.message
        }
    }

    /// What we read, written as a frame and read again, is the same value.
    static func roundTrip<T: Codable & Equatable>(_ encoded: [UInt8]?, _ value: T, _ type: T.Type) {
        guard let encoded else { return }
        FuzzTargets.check(encoded.first == BinaryFrame.marker && encoded.count >= BinaryFrame.prefixBytes, "not a frame")
        let again = try? RPCCodec.parse(frame: Array(encoded.dropFirst(BinaryFrame.prefixBytes)))
        let back: T? = switch again?.kind {
        case .result?: try? again?.result(as: T.self)
        default: try? again?.params(as: T.self)
        }
        FuzzTargets.check(back == value, "\(T.self) does not survive a binary round trip")
    }
}

extension DriverFrameDecoder: FuzzStreamDecoder {}
