import ArgumentParser
import Foundation
import Logging
import Simnode

/// `altnet-harness simnode`: the regtest bitcoind double, for tests and the demo.
struct SimnodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simnode",
        abstract: "A regtest bitcoind double (honest about being one): RPC, cookie, ZMQ, mining on command.",
        discussion: """
            Serves bitcoind's RPC subset (getblockchaininfo, getbestblockhash, getblockcount, getblockhash,
            getblockheader, getblock 0/1, getchaintips, getpeerinfo, getnetworkinfo, uptime, submitheader,
            submitblock, getblockfrompeer, sendrawtransaction, getrawmempool, getmempoolentry, getmempoolinfo,
            estimatesmartfee,
            generatetoaddress, invalidateblock, reconsiderblock, addnode, addpeeraddress, getnodeaddresses,
            getaddrmaninfo, stop) with bitcoind's shapes and codes; getaddr/addr/addrv2 over P2P,
            and these controls:
              simgenerate N                      mine N blocks (paying OP_TRUE)
              simsetmining ENABLED [INTERVAL]    interval mining on/off
              simfork DEPTH N [MODE]             competing branch: full | headers-only | valid-headers
              simactivate BLOCKHASH              hand over a withheld/deferred branch and activate
              siminvalidate BLOCKHASH            as invalidateblock
              simsetpeers [PEER...]              replace getpeerinfo's list (objects: addr, network,
                                                 connection_type, transport_protocol_type, ...)
              simdroppeers [CONNECTION_TYPE]     drop all peers or those of one type
              simprune HEIGHT                    prune mode on; delete block data below HEIGHT
              simsetwarmup ENABLED [MESSAGE]     answer -28 (warming up) to everything else
              simsetibd ENABLED                  initial block download on (held) or off (for good)
              simsetblocksource [URL COOKIEFILE] fetch blocks known only by header from another node's
                                                 getblock when a delivering pretend peer is asked for them
            Prints {"rpcport":N,"p2pport":N|null,"zmq":"..."} on stdout once listening.
            """)

    @Option(help: "Data directory; the cookie is written to DIR/regtest/.cookie.")
    var datadir: String

    @Option(help: "RPC port on 127.0.0.1 (0: any free port, printed on stdout).")
    var rpcport: Int = 18443

    @Option(help: "P2P port on 127.0.0.1 (0: any free port): BIP324 v2 and v1 (detected), version, ping, getheaders, getdata, inv, tx.")
    var p2pport: Int?

    @Option(help: "Loopback address for the P2P listener (127.0.0.0/8 or ::1; default 127.0.0.1). Another 127.x address puts the node in its own network group.")
    var p2pbind: String?

    @Flag(help: "simnode only (bitcoind has no such option): let loopback addresses (127.0.0.0/8, ::1) into the address book, which Core refuses as non-routable, so a test network on 127.x.y.z addresses gossips.")
    var simaddrloopback = false

    @Option(name: .customLong("v2transport"), help: "1: accept BIP324 v2 P2P connections, v1 detected and served (bitcoind's default since v26); 0: v1 only.")
    var v2transport: Int = 1

    @Option(help: "Connect to this P2P peer at start (HOST:PORT, repeatable), as bitcoind's -connect; the addnode RPC adds more.")
    var connect: [String] = []

    @Option(help: "ZMQ PUB endpoint for hashblock, rawblock, hashtx, rawtx and sequence, e.g. tcp://127.0.0.1:28332.")
    var zmqpub: String?

    @Option(help: "Mine a block every this many seconds (0: only on command).")
    var mineInterval: Double = 0

    @Flag(help: "Keep connected blocks in DIR/regtest/simnode-blocks.dat and reload them on start.")
    var persist = false

    @Option(help: "Use rpcuser/rpcpassword instead of a cookie (both needed).")
    var rpcuser: String?

    @Option(help: "Password for --rpcuser.")
    var rpcpassword: String?

    @Option(help: "Bitcoin Core release to answer as where they differ: 26, 27 (JSON-RPC 1.0 only, \"warnings\" a string), 28 (JSON-RPC 2.0 replies, \"warnings\" an array), 29 (as 28, plus \"target\" in headers) or 30 (as 29, plus 100 sat/kvB relay fees and getmempoolinfo's data-carrier policy); docs/simnode.md.")
    var coreVersion: Int = 26

    func validate() throws {
        guard (0...65535).contains(rpcport) else { throw ValidationError("--rpcport must be 0 to 65535") }
        if let p2pport, !(0...65535).contains(p2pport) { throw ValidationError("--p2pport must be 0 to 65535") }
        if let p2pbind, !(p2pbind.hasPrefix("127.") || p2pbind == "::1") {
            throw ValidationError("--p2pbind must be a loopback address (127.0.0.0/8 or ::1): simnode is a test double")
        }
        guard v2transport == 0 || v2transport == 1 else { throw ValidationError("--v2transport must be 0 or 1") }
        guard CoreVersion(rawValue: coreVersion) != nil else {
            throw ValidationError("--core-version must be one of \(CoreVersion.allCases.map { String($0.rawValue) }.joined(separator: ", "))")
        }
        guard (rpcuser == nil) == (rpcpassword == nil) else {
            throw ValidationError("--rpcuser and --rpcpassword go together")
        }
    }

    func run() async throws {
        var config = SimnodeServer.Configuration(datadir: datadir, rpcPort: rpcport, zmqPub: zmqpub)
        config.miningInterval = mineInterval
        config.p2pPort = p2pport
        config.p2pHost = p2pbind
        config.addrLoopback = simaddrloopback
        config.v2transport = v2transport == 1
        config.connect = connect
        config.persist = persist
        config.rpcUser = rpcuser
        config.rpcPassword = rpcpassword
        config.coreVersion = CoreVersion(rawValue: coreVersion) ?? .v26
        let logger = Logger(label: "simnode")
        let server = try await SimnodeServer.start(config, logger: logger)
        // One machine-readable line so a parent process can learn the ports.
        let p2p = server.p2pPort.map(String.init) ?? "null"
        let line = "{\"rpcport\":\(server.rpcPort),\"p2pport\":\(p2p),\"zmq\":\"\(server.zmqEndpoint ?? "")\"}\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        let signals = SignalWatcher.start { Task { await server.shutdown() } }
        await server.waitUntilStopped()
        signals.cancel()
    }
}
