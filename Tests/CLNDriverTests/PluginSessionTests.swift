import BitcoinPrimitives
import CLNDriverCore
import JSON
import LightningAltnetMessages
import Testing

/// The plugin's side of Core Lightning's plugin protocol, as its documentation describes it
/// (doc/developers-guide/plugin-development: getmanifest, init with configuration, the custommsg
/// hook and its `continue`).
@Suite struct PluginSessionTests {
    static let peer = "02" + String(repeating: "ab", count: 32)

    static func reply(_ step: PluginSession.Step) throws -> JSONValue {
        let bytes = try #require(step.reply)
        #expect(bytes.suffix(2) == [0x0A, 0x0A], "replies end with a blank line, as lightningd's")
        return try JSONValue.parse(Array(bytes.dropLast(2)))
    }

    static func handle(_ session: inout PluginSession, _ text: String) -> PluginSession.Step {
        session.handle(Array(text.utf8)) { .object([("connected", .bool(true))]) }
    }

    @Test func manifestDeclaresHookFeatureBitAndOptions() throws {
        var session = PluginSession(home: "/home/u")
        let reply = try Self.reply(Self.handle(&session, #"{"jsonrpc":"2.0","id":"cln:getmanifest#1","method":"getmanifest","params":{"allow-deprecated-apis":false}}"#))
        #expect(reply["id"] == .string("cln:getmanifest#1"))
        let result = try #require(reply["result"])
        #expect(result["hooks"] == .array([.object([("name", .string("custommsg"))])]))
        #expect(result["dynamic"] == .bool(false))  // lightningd kills a dynamic plugin with featurebits
        #expect(result["subscriptions"] == .array(["shutdown", "connect", "disconnect"]))
        let initBits = try Hex.decode(try #require(result["featurebits"]?["init"]?.stringValue))
        let nodeBits = try Hex.decode(try #require(result["featurebits"]?["node"]?.stringValue))
        #expect(AltnetFeature.isSet(421, in: initBits) && AltnetFeature.isSet(421, in: nodeBits))
        #expect(initBits.count == 53 && !AltnetFeature.isSet(420, in: initBits))
        #expect(result["custommessages"] == .array([.int(42_001), .int(42_003)]))
        let names = result["options"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["altnet-datadir", "altnet-socket", "altnet-queue-bytes"])
    }

    @Test func initReadsOptionsAndConfiguration() throws {
        var session = PluginSession(home: "/home/u")
        let step = Self.handle(&session, """
            {"jsonrpc":"2.0","id":7,"method":"init","params":{"options":{"altnet-datadir":"~/alt","altnet-socket":"","altnet-queue-bytes":200000},
             "configuration":{"lightning-dir":"/home/u/.lightning/regtest","rpc-file":"lightning-rpc","startup":true,"network":"regtest",
             "feature_set":{"init":"02aaa2","node":"8000000002aaa2","channel":"","invoice":"028200"}}}}
            """)
        #expect(try Self.reply(step) == .object([("jsonrpc", "2.0"), ("id", 7), ("result", .object([]))]))
        let configuration = try #require(step.configured)
        #expect(configuration.socketPath == "/home/u/alt/cln/plugin.sock")
        #expect(configuration.queueBytes == 200_000)
        #expect(configuration.lightningDir == "/home/u/.lightning/regtest" && configuration.rpcFile == "lightning-rpc")
        #expect(session.isInitialized)
        // An explicit socket wins; a queue size out of range disables the plugin with the reason.
        var other = PluginSession(home: "/h")
        let explicit = Self.handle(&other, #"{"id":1,"method":"init","params":{"options":{"altnet-socket":"/run/a.sock"},"configuration":{}}}"#)
        #expect(explicit.configured?.socketPath == "/run/a.sock")
        let refused = Self.handle(&other, #"{"id":2,"method":"init","params":{"options":{"altnet-queue-bytes":5},"configuration":{}}}"#)
        #expect(refused.configured == nil)
        #expect(try Self.reply(refused)["result"]?["disable"]?.stringValue?.contains("altnet-queue-bytes") == true)
    }

    @Test func hookAlwaysContinuesAndForwardsOnlyAltnetTypes() throws {
        var session = PluginSession(home: "/h")
        let continueResult = JSONValue.object([("result", .string("continue"))])
        // An altnet message (type 42001 = 0xa411): forwarded.
        let altnet = Self.handle(&session, #"{"jsonrpc":"2.0","id":"h1","method":"custommsg","params":{"peer_id":"\#(Self.peer)","payload":"a41104706f6e67"}}"#)
        #expect(try Self.reply(altnet)["result"] == continueResult)
        #expect(altnet.forward == CustomMessage(peer: Self.peer, message: LightningMessage(type: 42_001, payload: [4] + Array("pong".utf8))))
        // Another plugin's type (0x1337): continue, not forwarded.
        let other = Self.handle(&session, #"{"id":"h2","method":"custommsg","params":{"peer_id":"\#(Self.peer)","payload":"1337ffffffff"}}"#)
        #expect(try Self.reply(other)["result"] == continueResult)
        #expect(other.forward == nil)
        // Garbage: still continue, logged.
        for params in [#"{"peer_id":"zz","payload":"a411"}"#, #"{"peer_id":"\#(Self.peer)","payload":"a4"}"#,
                       #"{"peer_id":"\#(Self.peer)","payload":"xyz"}"#, #"{"payload":"a411"}"#] {
            let step = Self.handle(&session, #"{"id":"h3","method":"custommsg","params":\#(params)}"#)
            #expect(try Self.reply(step)["result"] == continueResult, "\(params)")
            #expect(step.forward == nil && step.log != nil, "\(params)")
        }
    }

    @Test func notificationsStatusAndUnknownMethods() throws {
        var session = PluginSession(home: "/h")
        // connect and disconnect notifications (either documented shape) ask for a listpeers.
        for text in [#"{"jsonrpc":"2.0","method":"connect","params":{"connect":{"id":"\#(Self.peer)","direction":"in"}}}"#,
                     #"{"jsonrpc":"2.0","method":"disconnect","params":{"id":"\#(Self.peer)"}}"#] {
            let step = Self.handle(&session, text)
            #expect(step.peersChanged && step.reply == nil, "\(text)")
        }
        let shutdown = Self.handle(&session, #"{"jsonrpc":"2.0","method":"shutdown","params":{}}"#)
        #expect(shutdown.shutdown && shutdown.reply == nil)
        let status = Self.handle(&session, #"{"id":3,"method":"altnet-status","params":{}}"#)
        #expect(try Self.reply(status)["result"]?["connected"] == .bool(true))
        let unknown = Self.handle(&session, #"{"id":4,"method":"nope","params":{}}"#)
        #expect(try Self.reply(unknown)["error"]?["code"] == .int(-32601))
        // A notification of an unknown topic gets no reply; unreadable input is logged.
        let notification = Self.handle(&session, #"{"method":"invoice_payment","params":{}}"#)
        #expect(notification.reply == nil && !notification.peersChanged)
        let unreadable = Self.handle(&session, "{nope}")
        #expect(unreadable.log != nil)
    }
}
