import BitcoinPrimitives
import DriverProtocol
import JSON
import LightningDriverCore
import Secp256k1
import Testing

/// The driver's `init` options, parsed and checked without a process.
@Suite("LightningOptions")
struct LightningOptionsTests {
    static let genesis = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"

    static func params(_ options: [String: JSONValue]) -> InitParams {
        InitParams(network: "regtest", chain: ChainInfo(genesisHash: genesis, magic: "fabfb5da", defaultPort: 18444),
                   options: options, dataDir: "/nonexistent")
    }

    @Test("defaults, and the chain hash in internal byte order")
    func defaults() throws {
        let options = try LightningOptions(Self.params([:]))
        #expect(options.nodeID == nil && options.listen == nil && options.connect.isEmpty)
        #expect(options.chainHash == Array(try Hex.decode(Self.genesis, field: "genesis").reversed()))
        #expect(options.reassemblyTimeout == .seconds(120))
        #expect(options.outboundQueueBytes == 8_388_608)
        #expect((options.initTimeout, options.pingInterval, options.pongTimeout) == (.seconds(30), .seconds(30), .seconds(30)))
        #expect(options.maxInbound == 64)
        #expect(options.txAckTimeout == .seconds(2))
    }

    @Test("node id, listen and connect")
    func peers() throws {
        let key = PrivateKey().publicKey
        let id = Hex.encode(key.serialized(compressed: true))
        let options = try LightningOptions(Self.params([
            "node_id": .string(id), "listen": .string("[::1]:0"),
            "connect": .array([.string("\(id)@127.0.0.1:9735")]), "pong_timeout_ms": .int(2000),
            "tx_ack_timeout_ms": .int(500),
        ]))
        #expect(options.nodeID == key)
        #expect(options.listen?.host == "::1" && options.listen?.port == 0)
        #expect(options.connect.map(\.nodeID) == [key.serialized(compressed: true)])
        #expect(options.connect.map(\.host) == ["127.0.0.1"] && options.connect.map(\.port) == [9735])
        #expect(options.pongTimeout == .seconds(2))
        #expect(options.txAckTimeout == .milliseconds(500))
    }

    @Test("bad values are refused with the option's name", arguments: [
        (["node_id": JSONValue.string("02ab")], "node_id"),
        (["listen": .string("127.0.0.1:1")], "listen and connect need node_id"),
        (["connect": .string("nobody")], "NODEID@HOST:PORT"),
        (["outbound_queue_bytes": .int(1000)], "outbound_queue_bytes"),
        (["ping_interval_ms": .int(99)], "ping_interval_ms"),
        (["max_inbound": .string("many")], "max_inbound"),
        (["tx_ack_timeout_ms": .int(30_001)], "tx_ack_timeout_ms must be an integer from 100 to 30000"),
    ])
    func refused(options: [String: JSONValue], named: String) throws {
        let error = try #require(throws: DriverProtocolError.self) { try LightningOptions(Self.params(options)) }
        #expect(error.message.contains(named), "\(error.message)")
    }
}
