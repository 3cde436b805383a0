import BitcoinPrimitives
import BitcoindRPC
import Foundation

/// What plays each side's bitcoind in the demo: simnode (the default: nothing to install) or a
/// real Bitcoin Core (`--bitcoind PATH`), in regtest on loopback with its own data directory.
///
/// Where they differ, the story asks the backend:
///
/// | step | simnode | bitcoind |
/// | --- | --- | --- |
/// | start | `altnet-harness simnode` | `bitcoind -regtest -connect=0 -v2transport=1 -zmqpub...`, `-listen=1` for Bob only |
/// | mine | `simgenerate` (coinbase to OP_TRUE) | `generatetodescriptor` to P2WSH(OP_TRUE) (standard to spend) |
/// | cut Alice off | `simsetpeers []` | nothing: started with `-connect=0`, `-listen=0`, so it has no peers |
/// | emergency tx | spends OP_TRUE, empty scriptSig | spends P2WSH(OP_TRUE) with the witness `[OP_TRUE]` |
enum DemoBackend: Sendable {
    case simnode
    case bitcoind(path: String, cli: String?)

    var isSimnode: Bool { if case .simnode = self { true } else { false } }

    /// "simnode, a regtest double" or "Bitcoin Core at PATH".
    var description: String {
        switch self {
        case .simnode: "simnode, a regtest double"
        case .bitcoind(let path, _): "Bitcoin Core (\(path)) in regtest"
        }
    }

    /// OP_TRUE, and P2WSH of it: `OP_0 <sha256(OP_TRUE)>` (BIP141). Spending it needs only the
    /// witness `[OP_TRUE]`, and both the output and its spend are standard in Core's policy.
    static let opTrue: [UInt8] = [0x51]
    static var p2wshOpTrue: [UInt8] { [0x00, 0x20] + Hashes.sha256(opTrue) }

    /// The program and arguments that start one side's bitcoind.
    func command(binDir: String, dir: String, rpcPort: Int, p2pPort: Int, zmqPort: Int, listens: Bool) -> (String, [String]) {
        switch self {
        case .simnode:
            return ("\(binDir)/altnet-harness",
                    ["simnode", "--datadir", "\(dir)/bitcoind", "--rpcport", "\(rpcPort)", "--p2pport", "\(p2pPort)",
                     "--zmqpub", "tcp://127.0.0.1:\(zmqPort)"])
        case .bitcoind(let path, _):
            // Core refuses -bind together with -listen=0 (init.cpp), so a node that does not
            // listen gets neither -bind nor -port.
            let p2p = listens ? ["-listen=1", "-bind=127.0.0.1:\(p2pPort)", "-port=\(p2pPort)"] : ["-listen=0"]
            return (path, [
                "-regtest", "-datadir=\(dir)/bitcoind", "-server=1", "-printtoconsole=1", "-disablewallet=1",
                "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-rpcport=\(rpcPort)",
                "-connect=0", "-dnsseed=0", "-fixedseeds=0", "-listenonion=0", "-v2transport=1",
                "-zmqpubhashblock=tcp://127.0.0.1:\(zmqPort)", "-zmqpubsequence=tcp://127.0.0.1:\(zmqPort)",
            ] + p2p)
        }
    }

    /// Mines `count` blocks on the node behind `rpc`.
    /// - Returns: their hashes (display hex).
    func mine(_ rpc: BitcoindRPCClient, _ count: Int) async throws -> [String] {
        switch self {
        case .simnode:
            return try await rpc.call("simgenerate", [.int(count)])
        case .bitcoind:
            return try await rpc.call("generatetodescriptor", [.int(count), .string("raw(\(Self.p2wshOpTrue.hex))")])
        }
    }

    /// Takes the node off the P2P network.
    func cutOff(_ rpc: BitcoindRPCClient) async throws {
        if case .simnode = self { try await rpc.callIgnoringResult("simsetpeers", [.array([])]) }
    }

    /// A transaction spending output 0 of `coinbase` (paid by ``mine(_:_:)``), fee 0.0001 BTC.
    func spend(coinbase: Txid, value: Int64 = 50_0000_0000) -> Transaction {
        let fee: Int64 = 1_0000
        switch self {
        case .simnode:
            return Transaction(version: 2,
                               inputs: [TxIn(previousOutput: OutPoint(txid: coinbase, index: 0), scriptSig: [], sequence: 0xffff_fffd)],
                               outputs: [TxOut(value: value - fee, scriptPubKey: Self.opTrue)], lockTime: 0)
        case .bitcoind:
            return Transaction(version: 2,
                               inputs: [TxIn(previousOutput: OutPoint(txid: coinbase, index: 0), scriptSig: [], sequence: 0xffff_fffd,
                                             witness: [Self.opTrue])],
                               outputs: [TxOut(value: value - fee, scriptPubKey: Self.p2wshOpTrue)], lockTime: 0)
        }
    }
}
