import BitcoinPrimitives
import BitcoindRPC
import JSON
import Logging

/// ``EmergencyTransports`` over bitcoind's RPC, plus the daemon's drivers as a closure.
///
/// - Broadcast: `sendrawtransaction` with Core's default maxfeerate (0.10 BTC/kvB; a higher fee
///   rate is refused with bitcoind's reason, so a typo in a fee cannot burn funds), then every
///   driver that carries transactions through `drivers`.
/// - Detection without -txindex: `getmempoolentry` for the mempool. For blocks, `gettxout` with
///   include_mempool=false on the transaction's outputs: an unspent output of it in the UTXO
///   set with confirmations > 0 means it is in the active chain. This works on every bitcoind
///   (pruned too, no wallet, no txindex). Its blind spot: a confirmed transaction whose checked
///   outputs have all been spent in later blocks looks unknown; then sendrawtransaction
///   answers "bad-txns-inputs-missingorspent" each round until the transaction expires, which
///   costs one RPC per round and nothing else. OP_RETURN outputs are never in the UTXO set, so
///   a transaction with only those is never seen in a block (same outcome).
public struct BitcoindEmergencyTransports: EmergencyTransports {
    /// The driver half: sends the transaction through every driver that carries transactions
    /// and reports one result per driver. Nil when no driver runs.
    public typealias DriverRelay = @Sendable (_ raw: [UInt8]) async -> [TransportResult]

    /// At most this many outputs are checked with gettxout per transaction and round.
    public static let maxOutputsChecked = 16

    private let rpc: BitcoindRPCClient
    private let drivers: DriverRelay?
    private let logger: Logger

    /// - Parameters:
    ///   - rpc: the client of the local bitcoind.
    ///   - drivers: the driver half (the daemon's Altstack `broadcastTx`), or nil.
    ///   - logger: where RPC failures are logged.
    public init(rpc: BitcoindRPCClient, drivers: DriverRelay? = nil, logger: Logger = Logger(label: "emergency")) {
        self.rpc = rpc
        self.drivers = drivers
        self.logger = logger
    }

    public func broadcast(raw: [UInt8]) async -> [TransportResult] {
        // Drivers and bitcoind at once: one slow transport must not delay the others.
        async let others = drivers?(raw) ?? []
        let local = await sendToBitcoind(raw)
        return [local] + (await others)
    }

    /// One `sendrawtransaction`, as a result.
    func sendToBitcoind(_ raw: [UInt8]) async -> TransportResult {
        do {
            let txid = try await rpc.sendRawTransaction(raw)
            return TransportResult(transport: "bitcoind", accepted: true, detail: txid.displayHex)
        } catch {
            // -27 (RPC_VERIFY_ALREADY_IN_CHAIN, "Transaction outputs already in utxo set"): done.
            if error.rpcCode == RPCErrorCode.verifyAlreadyInChain {
                return TransportResult(transport: "bitcoind", accepted: true, detail: "already in a block: \(Self.message(error))")
            }
            return TransportResult(transport: "bitcoind", accepted: false, detail: Self.message(error))
        }
    }

    public func isKnown(txid: Hash256, outputCount: Int) async -> EmergencySeen {
        do {
            _ = try await rpc.getMempoolEntry(txid)
            return .mempool
        } catch {
            // -5 "Transaction not in mempool" is the expected negative; anything else is logged.
            if error.rpcCode != RPCErrorCode.invalidAddressOrKey {
                logger.warning("getmempoolentry failed", metadata: ["txid": "\(txid.displayHex)", "error": "\(error)"])
                return .unknown
            }
        }
        let n = min(max(outputCount, 0), Self.maxOutputsChecked)
        guard n > 0 else { return .unknown }
        let params: [[JSONValue]] = (0..<n).map { [.hash(txid), .int($0), .bool(false)] }
        do {
            for result in try await rpc.batch("gettxout", params, as: TxOutReply.self) {
                if case .success(let reply) = result, let confirmations = reply.confirmations, confirmations > 0 {
                    return .block
                }
            }
        } catch {
            logger.warning("gettxout failed", metadata: ["txid": "\(txid.displayHex)", "error": "\(error)"])
        }
        return .unknown
    }

    /// bitcoind's own message for an RPC error, the full description otherwise.
    static func message(_ error: BitcoindRPCError) -> String {
        if case .rpc(let code, let message) = error.reason { return "\(message) (code \(code))" }
        return error.description
    }
}

/// The part of `gettxout`'s reply used here; `null` (spent or unknown) decodes to nil fields.
struct TxOutReply: Decodable, Sendable {
    let confirmations: Int?
    let bestblock: String?

    enum CodingKeys: String, CodingKey { case confirmations, bestblock }

    init(from decoder: any Decoder) throws {
        if try decoder.singleValueContainer().decodeNil() {
            confirmations = nil
            bestblock = nil
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        confirmations = try c.decodeIfPresent(Int.self, forKey: .confirmations)
        bestblock = try c.decodeIfPresent(String.self, forKey: .bestblock)
    }
}
