import BitcoinPrimitives
import CLNDriverCore
import DriverProtocol
import JSON
import LightningAltnetMessages
import Testing

/// The driver half's pure parts: listpeers parsing (only connected peers; the altnet bit from
/// `features`), peer changes, the bridge line and sendcustommsg params, lightning-rpc replies, the
/// plugin's bounded queue, the `[cln]` options.
@Suite struct CarrierPartsTests {
    static let alice = "02" + String(repeating: "aa", count: 32)
    static let plain = "03" + String(repeating: "bb", count: 32)
    static let gone = "02" + String(repeating: "cc", count: 32)
    static let altnetFeatures = Hex.encode(AltnetFeature.setting(421, in: [0x08, 0x98, 0x88, 0x2a, 0x8a, 0x59, 0xa1]))

    @Test func listPeersKeepsConnectedPeersAndReadsTheAltnetBit() throws {
        // The shape of Core Lightning's listpeers (doc/schemas/listpeers.json, its example).
        let result = try JSONValue.parse("""
            {"peers":[
              {"id":"\(Self.alice)","connected":true,"num_channels":1,"netaddr":["127.0.0.1:30005"],"features":"\(Self.altnetFeatures)"},
              {"id":"\(Self.plain)","connected":true,"num_channels":1,"netaddr":["127.0.0.1:54321"],"features":"0898882a8a59a1"},
              {"id":"\(Self.gone)","connected":false,"num_channels":1,"features":"\(Self.altnetFeatures)"},
              {"id":"nonsense","connected":true,"features":"\(Self.altnetFeatures)"},
              {"id":"\(Self.gone.uppercased())","connected":true,"netaddr":["10.0.0.1:9735"],"features":"not hex"}
            ]}
            """)
        let peers = try CLNPeer.connected(inListPeers: result)
        #expect(peers == [
            CLNPeer(id: Self.alice, altnet: true, address: "127.0.0.1:30005"),
            CLNPeer(id: Self.plain, altnet: false, address: "127.0.0.1:54321"),
            CLNPeer(id: Self.gone, altnet: false, address: "10.0.0.1:9735"),
        ])
        #expect(throws: CLNError.self) { try CLNPeer.connected(inListPeers: .object([])) }
    }

    @Test func trackerReportsArrivalsDeparturesAndBitChanges() {
        var tracker = CLNPeerTracker()
        let a = CLNPeer(id: Self.alice, altnet: true, address: nil)
        let p = CLNPeer(id: Self.plain, altnet: false, address: nil)
        var change = tracker.update([a, p])
        #expect(change.left == [] && change.came == [a, p])
        change = tracker.update([a, p, a])
        #expect(change.left == [] && change.came == [])
        let flipped = CLNPeer(id: Self.plain, altnet: true, address: nil)
        change = tracker.update([a, flipped])
        #expect(change.left == [Self.plain] && change.came == [flipped])
        change = tracker.update([flipped])
        #expect(change.left == [Self.alice] && change.came == [])
        let cleared = tracker.clear()
        #expect(cleared == [Self.plain])
        #expect(tracker.peers.isEmpty)
    }

    @Test func customMessageRoundTripsThroughBridgeLineAndSendParams() throws {
        let message = CustomMessage(peer: Self.alice, message: LightningMessage(type: 42_003, payload: [0, 1, 2, 0xff]))
        #expect(message.hex == "a413000102ff" && message.isAltnet)
        let line = message.bridgeLine
        #expect(line.last == 0x0A)
        #expect(try CustomMessage(hookParams: try JSONValue.parse(Array(line.dropLast()))) == message)
        #expect(message.sendParams == .object([("node_id", .string(Self.alice)), ("msg", .string("a413000102ff"))]))
        // The largest Lightning message fits a bridge line; one byte more is refused.
        let largest = CustomMessage(peer: Self.alice, message: LightningMessage(type: 42_001, payload: Array(repeating: 7, count: LightningMessage.maxPayloadSize)))
        #expect(largest.bridgeLine.count <= CustomMessage.maxLineBytes)
        #expect(throws: CLNError.self) { try CustomMessage(peer: Self.alice, hex: "a411" + String(repeating: "00", count: LightningMessage.maxPayloadSize + 1)) }
        #expect(!CustomMessage(peer: Self.alice, message: LightningMessage(type: 0x1337, payload: [])).isAltnet)
        // Core Lightning before v0.10's `payload` named the field `message`.
        let old = try CustomMessage(hookParams: .object([("peer_id", .string(Self.alice)), ("message", .string("a413000102ff"))]))
        #expect(old == message)
    }

    @Test func lightningRPCRepliesAndErrors() throws {
        let request = LightningRPCCodec.request(id: "r1", method: "sendcustommsg", params: .object([("node_id", .string(Self.alice))]))
        let parsed = try JSONValue.parse(Array(request.dropLast(2)))
        #expect(parsed["method"] == .string("sendcustommsg") && parsed["id"] == .string("r1") && parsed["jsonrpc"] == .string("2.0"))
        let ok = Array(#"{"jsonrpc":"2.0","id":"r1","result":{"status":"Message sent to connectd for delivery"}}"#.utf8)
        #expect(try LightningRPCCodec.result(of: ok, id: "r1")["status"] == .string("Message sent to connectd for delivery"))
        let error = Array(#"{"jsonrpc":"2.0","id":"r1","error":{"code":-1,"message":"No such peer"}}"#.utf8)
        #expect(throws: CLNError("lightningd error -1: No such peer")) { try LightningRPCCodec.result(of: error, id: "r1") }
        #expect(throws: CLNError.self) { try LightningRPCCodec.result(of: ok, id: "r2") }
    }

    @Test func forwardQueueDropsAndCountsPastItsCap() {
        var queue = ForwardQueue(capacity: 10)
        let pushed = [queue.push(Array(repeating: 1, count: 6)), queue.push(Array(repeating: 2, count: 5)), queue.push(Array(repeating: 3, count: 4))]
        #expect(pushed == [true, false, true])
        #expect((queue.accepted, queue.dropped, queue.bytes, queue.count) == (2, 1, 10, 2))
        let first = queue.pop()
        #expect(first == Array(repeating: 1, count: 6))
        let again = queue.push(Array(repeating: 4, count: 6))
        #expect(again)
        let rest = [queue.pop()?.first, queue.pop()?.first, queue.pop()?.first]
        #expect(rest == [3, 4, nil])
        #expect(queue.bytes == 0)
    }

    @Test func optionsResolveSocketsAndBounds() throws {
        func params(_ options: [String: JSONValue]) -> InitParams {
            InitParams(network: "regtest", chain: ChainInfo(genesisHash: String(repeating: "0", count: 64), magic: "fabfb5da", defaultPort: 18444),
                       options: options, dataDir: "/var/altnet/cln")
        }
        let options = try CLNOptions(params(["lightningdir": "~/.lightning/regtest"]), home: "/home/u")
        #expect(options.rpcPath == "/home/u/.lightning/regtest/lightning-rpc")
        #expect(options.socketPath == "/var/altnet/cln/plugin.sock")
        #expect(options.listPeersInterval == .seconds(2))
        let absolute = try CLNOptions(params(["rpcfile": .string("/run/ln/rpc"), "socket": .string("/run/a.sock"), "listpeers_ms": .int(100)]), home: "/h")
        #expect(absolute.rpcPath == "/run/ln/rpc" && absolute.socketPath == "/run/a.sock" && absolute.listPeersInterval == .milliseconds(100))
        #expect(throws: DriverProtocolError.self) { try CLNOptions(params([:]), home: "/h") }
        #expect(throws: DriverProtocolError.self) { try CLNOptions(params(["lightningdir": .string("/l"), "listpeers_ms": .int(0)]), home: "/h") }
        #expect(throws: DriverProtocolError.self) { try CLNOptions(params(["lightningdir": .string("/" + String(repeating: "x", count: 120))]), home: "/h") }
    }
}
