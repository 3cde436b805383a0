import DriverKit
import DriverProtocol
import JSON

/// DriverKit's reply matching: a `sendmessage` request's payload comes from the Altstack's
/// caller, the reply's from the peer.
enum ReplyMatcherFuzz {
    static let requests = ["getdata", "getheaders", "ping", "sendheaders", "mempool", "getblocks"]
    static let replies = ["block", "tx", "notfound", "headers", "pong", "cmpctblock", "inv", "addr"]

    /// Selector 10: request command, reply command, flags (expected replies, blockChecked), a
    /// split point, then the request payload followed by the reply payload.
    static func run(_ input: inout FuzzInput) {
        let request = requests[Int(input.byte()) % requests.count]
        let replyCommand = replies[Int(input.byte()) % replies.count]
        let flags = input.byte()
        let split = input.u16()
        let rest = input.remaining()
        let cut = rest.isEmpty ? 0 : split % (rest.count + 1)
        let requestPayload = Array(rest[..<cut]), replyPayload = Array(rest[cut...])
        let expect = replies.enumerated().filter { flags >> ($0.offset % 8) & 1 == 1 }.map(\.element)
        let expected = ExpectedReply(request: request, payload: requestPayload, expect: expect)
        let reply = ReceivedReply(command: replyCommand, payload: replyPayload, blockChecked: flags & 0x80 != 0)
        let answered = expected.isAnswered(by: reply)
        if !expected.commands.contains(replyCommand) {
            FuzzTargets.check(!answered, "\(replyCommand) answered \(request) without being expected")
        }
        // BIP31: a pong echoing the ping's 8-byte nonce answers it; any other pong does not.
        if request == "ping", requestPayload.count == 8, replyCommand == "pong", expect.contains("pong") {
            FuzzTargets.check(answered == (replyPayload == requestPayload), "pong matching: nonce \(requestPayload) reply \(replyPayload)")
        }
        // Every waiting request is asked about the same reply: it is read once.
        let again = ExpectedReply(request: request, payload: requestPayload, expect: expect)
        FuzzTargets.check(again.isAnswered(by: reply) == answered, "reply matching is not deterministic")
    }
}

/// A driver's stdout as the Altstack reads it: `LineFramer` then `RPCCodec.parse`, then the
/// params or result decoded as the method calls for (Altstack's DriverSession), and the
/// driver's own reading of the Altstack's requests (DriverKit).
enum DriverLineFuzz {
    /// Selector 11: a line-limit byte, a split seed, then the stream.
    static func run(_ input: inout FuzzInput) {
        let limitByte = input.byte()
        let seed = input.byte()
        let bytes = input.remaining()
        let limit = limitByte == 0 ? DriverProtocolLimits.maxLineBytes : Int(limitByte) * 16
        let events = FuzzSplit.sameEvents({ LineFramer(maxLineBytes: limit) }, bytes, seed: seed, limit: limit, name: "LineFramer")
        for event in events {
            switch event {
            case .line(let line):
                FuzzTargets.check(line.count <= limit && !line.contains(0x0A), "LineFramer returned a line of \(line.count) bytes over \(limit)")
                read(line)
            case .oversized(let count):
                FuzzTargets.check(count > limit, "LineFramer called \(count) bytes oversized under \(limit)")
            }
        }
    }

    static func read(_ line: [UInt8]) {
        let frame: RPCFrame
        do throws(DriverProtocolError) {
            frame = try RPCCodec.parse(line)
        } catch {
            _ = (error.message, RPCCodec.error(id: RPCCodec.id(of: error), error))
            return
        }
        switch frame.kind {
        case .notification(let method):
            decodeParams(frame)
            if let params = try? frame.params(as: JSONValue.self), let again = try? RPCCodec.notification(method: method, params: params) {
                reparse(again, frame)
            }
        case .request(let id, let method):
            decodeParams(frame)
            if let params = try? frame.params(as: JSONValue.self), let again = try? RPCCodec.request(id: id, method: method, params: params) {
                reparse(again, frame)
            }
        case .result(let id):
            _ = try? frame.result(as: JSONValue.self)
            _ = try? frame.result(as: SendMessageResult.self)
            _ = try? frame.result(as: ListPeersResult.self)
            _ = try? frame.result(as: BroadcastTxResult.self)
            _ = try? frame.result(as: ECDHResult.self)
            _ = try? frame.result(as: Manifest.self)
            if let value = try? frame.result(as: JSONValue.self), let again = try? RPCCodec.result(id: id, value) {
                reparse(again, frame)
            }
        case .error(_, let error):
            _ = error.message
        }
    }

    /// Every params type either side decodes; `DriverP2PMessage.validate` as the Altstack calls it.
    static func decodeParams(_ frame: RPCFrame) {
        if let p = try? frame.params(as: MessageReceived.self) { _ = try? p.message.validate() }
        if let p = try? frame.params(as: SendMessageParams.self) { _ = try? p.message.validate() }
        _ = try? frame.params(as: PeerConnected.self)
        _ = try? frame.params(as: PeerDisconnected.self)
        _ = try? frame.params(as: BroadcastTxParams.self)
        _ = try? frame.params(as: ECDHParams.self)
        _ = try? frame.params(as: DisconnectPeerParams.self)
        _ = try? frame.params(as: InitParams.self)
        _ = try? frame.params(as: GetManifestParams.self)
    }

    /// Our own encoding of what we read must read back as the same kind of frame.
    static func reparse(_ encoded: [UInt8], _ frame: RPCFrame) {
        let line = encoded.last == 0x0A ? Array(encoded.dropLast()) : encoded
        let again = try? RPCCodec.parse(line)
        FuzzTargets.check(again?.kind == frame.kind, "re-encoded \(frame.kind) reads back as \(String(describing: again?.kind))")
    }
}

extension LineFramer: FuzzStreamDecoder {}
