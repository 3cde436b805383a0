import BitcoinPrimitives
import DriverProtocol
import JSON
import Testing

@Suite struct RPCCodecTests {
    private func parse(_ text: String) throws(DriverProtocolError) -> RPCFrame {
        try RPCCodec.parse(Array(text.utf8))
    }

    @Test func classifiesTheFourMessageShapes() throws {
        #expect(try parse(#"{"jsonrpc":"2.0","id":7,"method":"ping","params":{}}"#).kind == .request(id: .number(7), method: "ping"))
        #expect(try parse(#"{"jsonrpc":"2.0","id":"x","method":"ping"}"#).kind == .request(id: .string("x"), method: "ping"))
        #expect(try parse(#"{"jsonrpc":"2.0","method":"peerconnected","params":{}}"#).kind == .notification(method: "peerconnected"))
        #expect(try parse(#"{"jsonrpc":"2.0","id":7,"result":{}}"#).kind == .result(id: .number(7)))
        let error = try parse(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"no"}}"#)
        guard case .error(nil, let e) = error.kind else {
            Issue.record("expected an error frame")
            return
        }
        #expect(e.kind == .methodNotFound)
    }

    @Test(arguments: [
        ("not json", DriverProtocolError.Kind.parse),
        ("[1,2]", .parse),
        (#"{"id":1,"method":"ping"}"#, .invalidRequest),
        (#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, .invalidRequest),
        (#"{"jsonrpc":"2.0","id":1,"method":5}"#, .invalidRequest),
        (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#, .invalidRequest),
        (#"{"jsonrpc":"2.0","id":1}"#, .invalidRequest),
        (#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":""}}"#, .invalidRequest),
        (#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#, .invalidRequest),
        (#"{"jsonrpc":"2.0","result":{}}"#, .invalidRequest),
    ])
    func refusesWhatIsNotJSONRPC(line: String, kind: DriverProtocolError.Kind) {
        #expect(throws: DriverProtocolError.self) { try parse(line) }
        do {
            _ = try parse(line)
        } catch {
            #expect(error.kind == kind, "\(line): \(error)")
        }
    }

    @Test func invalidRequestCarriesTheIdSoItCanBeAnswered() {
        do {
            _ = try parse(#"{"jsonrpc":"2.0","id":42,"method":""}"#)
            Issue.record("should have thrown")
        } catch {
            #expect(RPCCodec.id(of: error) == .number(42))
        }
    }

    @Test func typedParamsAndResultsRoundTrip() throws {
        let params = SendMessageParams(peer: "p1", message: DriverP2PMessage(command: "getheaders", payload: "00ff"), expect: ["headers"], timeoutMs: 1500)
        var line = try RPCCodec.request(id: .number(3), method: Methods.sendMessage, params: params)
        #expect(line.last == 0x0A)
        line.removeLast()
        let frame = try RPCCodec.parse(line)
        #expect(frame.kind == .request(id: .number(3), method: "sendmessage"))
        #expect(try frame.params(as: SendMessageParams.self) == params)

        let result = SendMessageResult(peer: "p1", replies: [DriverP2PMessage(command: "headers", payload: "00")])
        var answer = try RPCCodec.result(id: .number(3), result)
        answer.removeLast()
        #expect(try RPCCodec.parse(answer).result(as: SendMessageResult.self) == result)
    }

    @Test func missingFieldsAreInvalidParamsWithThePath() throws {
        let frame = try parse(#"{"jsonrpc":"2.0","id":1,"method":"sendmessage","params":{"message":{"command":"tx"}}}"#)
        do {
            _ = try frame.params(as: SendMessageParams.self)
            Issue.record("should have thrown")
        } catch {
            #expect(error.kind == .invalidParams)
            #expect(error.message.contains("payload"))
        }
    }

    @Test func errorsKeepTheirKindAcrossTheWire() throws {
        for kind in DriverProtocolError.Kind.allCases where kind != .other {
            var line = RPCCodec.error(id: .number(1), DriverProtocolError(kind, "m"))
            line.removeLast()
            guard case .error(_, let back) = try RPCCodec.parse(line).kind else {
                Issue.record("not an error frame")
                continue
            }
            #expect(back.kind == kind)
        }
        #expect(DriverProtocolError.Kind(code: -31999) == .other)
        #expect(!DriverProtocolError.Kind.invalidParams.isRetryableElsewhere)
        #expect(DriverProtocolError.Kind.timeout.isRetryableElsewhere)
    }

    @Test func p2pMessageValidation() {
        #expect(throws: DriverProtocolError.self) { try DriverP2PMessage(command: "GetHeaders", payload: "00").validate() }
        #expect(throws: DriverProtocolError.self) { try DriverP2PMessage(command: "thirteenchars", payload: "00").validate() }
        #expect(throws: DriverProtocolError.self) { try DriverP2PMessage(command: "tx", payload: "0").validate() }
        #expect(throws: DriverProtocolError.self) { try DriverP2PMessage(command: "tx", payload: "zz").validate() }
        #expect(throws: Never.self) { try DriverP2PMessage(command: "getheaders", payload: "00AbfF").validate() }
        #expect(Hex.encode((try? Hex.decode("00abFF")) ?? []) == "00abff")
    }

    @Test func envelopeScannerHandlesNestingEscapesAndWhitespace() throws {
        let line = #" { "params" : {"message":{"command":"tx","payload":"00"},"note":"a } \" ] {","list":[1,-2.5e3,true,null,{"k":[]}]}, "method":"broadcasttx" , "id" : "a\"b", "jsonrpc":"2.0" } "#
        let frame = try parse(line)
        #expect(frame.kind == .request(id: .string("a\"b"), method: "broadcasttx"))
        struct Params: Decodable { let note: String; let list: [JSONValue] }
        let params = try frame.params(as: Params.self)
        #expect(params.note == "a } \" ] {")
        #expect(params.list.count == 5)
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","id":1,"method":"ping"} trailing"#,
        #"{"jsonrpc":"2.0","id":1,"method":"ping""#,
        #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":tru}}"#,
        #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"unterminated}}"#,
        #"{"jsonrpc":"2.0" "id":1}"#,
        String(repeating: #"{"a":"#, count: 100) + "1" + String(repeating: "}", count: 100),
    ])
    func envelopeScannerRefusesMalformedLines(line: String) {
        do {
            _ = try parse(line)
            Issue.record("accepted \(line.prefix(60))")
        } catch {
            #expect(error.kind == .parse || error.kind == .invalidRequest)
        }
    }

    @Test func depthLimitCountsTheMessageObject() throws {
        // params is level 2; 63 arrays inside it reach DriverProtocolLimits.maxDepth (65).
        func line(_ arrays: Int) -> String {
            #"{"jsonrpc":"2.0","method":"x","params":{"a":"# + String(repeating: "[", count: arrays)
                + String(repeating: "]", count: arrays) + "}}"
        }
        #expect(try parse(line(63)).kind == .notification(method: "x"))
        #expect(throws: DriverProtocolError.self) { try parse(line(64)) }
        do {
            _ = try parse(line(64))
        } catch {
            #expect(error.kind == .parse)
        }
    }

    @Test func resultOfAnErrorFrameIsRefused() throws {
        let frame = try parse(#"{"jsonrpc":"2.0","id":1,"error":{"code":-32003,"message":"late"}}"#)
        #expect(throws: DriverProtocolError.self) { try frame.result(as: EmptyObject.self) }
    }
}
