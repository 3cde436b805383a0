import BitcoinPrimitives
import BitcoindRPC
import DriverKit
import DriverProtocol
import Foundation

/// `altnet-driver-rpc`: carries the core's block requests and transaction broadcasts through
/// the local bitcoind's own P2P peers, over bitcoind's JSON-RPC (`getblockfrompeer`, `getblock`,
/// `sendrawtransaction`). It has one peer, `bitcoind`: the node whose peers do the work.
public struct RPCDriver: Driver {
    /// The one peer this driver shows the core.
    public static let peerID = "bitcoind"
    let state = RPCDriverState()

    public init() {}

    public var info: DriverDescription {
        DriverDescription(
            name: "rpc", version: "0.1.0",
            capabilities: TransportCapabilities(
                send: true, receive: false, messageKinds: [.blocks, .transactions],
                latency: .medium, bandwidth: .medium, privacy: .none),
            options: RPCDriverOptions.specs)
    }

    public func start(_ params: InitParams, context: DriverContext) async throws {
        let options = try RPCDriverOptions(params.options, network: params.network)
        var config = BitcoindRPCClient.Configuration(host: options.host, port: options.port, credentials: options.credentials)
        config.maxConnections = 8
        let rpc = BitcoindRPCClient(config, logger: context.logger)
        let fetcher = PeerBlockFetcher(rpc: rpc, configuration: .init(peerTimeout: options.peerTimeout), logger: context.logger)
        await state.set(rpc: rpc, fetcher: fetcher, address: "\(options.host):\(options.port)")
        context.logger.info("bitcoind RPC at \(options.host):\(options.port) on \(params.network)")
    }

    public func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
        let (rpc, fetcher) = try await state.ready()
        if let peer = params.peer, peer != Self.peerID {
            throw DriverProtocolError(.peerUnavailable, "no peer \"\(peer)\": this driver has only \"\(Self.peerID)\"")
        }
        let payload = try params.message.payloadBytes()
        switch params.message.command {
        case "getdata":
            let reply = try await getData(payload, timeoutMs: params.timeoutMs, fetcher: fetcher)
            return SendMessageResult(peer: Self.peerID, replies: params.expect.isEmpty ? [] : [reply])
        case "tx":
            _ = try await broadcast(payload, rpc: rpc)
            return SendMessageResult(peer: Self.peerID)
        default:
            throw DriverProtocolError(.invalidParams, "altnet-driver-rpc carries getdata and tx only, not \(params.message.command)")
        }
    }

    /// Answers a getdata: a single block entry is fetched; transaction entries get `notfound`
    /// (bitcoind's peers cannot be asked for a transaction by RPC).
    func getData(_ payload: [UInt8], timeoutMs: Int, fetcher: PeerBlockFetcher) async throws -> DriverP2PMessage {
        let request = try OneBlockGetData(payload, driver: "altnet-driver-rpc")
        guard let item = request.block else { return request.notFound }
        let deadline = ContinuousClock.now + .milliseconds(max(timeoutMs, 0))
        let hash = BlockHash(item.hash)
        var bytes: [UInt8]
        do {
            bytes = try await fetcher.block(hash, deadline: deadline)
        } catch .deadline(let h, let tried, let last) {
            throw DriverProtocolError(.timeout, BlockFetchError.deadline(h, peersTried: tried, lastFailure: last).description)
        } catch {
            throw DriverProtocolError(.peerUnavailable, error.description)
        }
        if !item.type.isWitness {
            do {
                bytes = try Block(bytes: bytes).serialized(includingWitness: false)
            } catch {
                throw DriverProtocolError(.internalError, "bitcoind returned an unparsable block \(hash.displayHex): \(error)")
            }
        }
        return DriverP2PMessage(command: "block", payloadBytes: bytes)
    }

    public func listPeers(context: DriverContext) async throws -> ListPeersResult {
        guard let address = await state.address else { return ListPeersResult(peers: []) }
        return ListPeersResult(peers: [PeerInfo(id: Self.peerID, address: address, direction: .outbound)])
    }

    public func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult {
        let (rpc, _) = try await state.ready()
        let tx = try Hex.decode(params.tx, field: "tx")
        return try await broadcast(tx, rpc: rpc)
    }

    /// `sendrawtransaction`; bitcoind's rejection becomes `accepted: false` with its reason.
    /// RPC_VERIFY_ALREADY_IN_CHAIN (-27: an output of the transaction is in bitcoind's UTXO set,
    /// BroadcastTransaction in src/node/transaction.cpp) means it is already confirmed: accepted,
    /// sent to no peer, with bitcoind's message as the reason.
    func broadcast(_ tx: [UInt8], rpc: BitcoindRPCClient) async throws -> BroadcastTxResult {
        do {
            _ = try await rpc.sendRawTransaction(tx)
        } catch {
            switch error.rpcCode {
            case RPCErrorCode.verifyAlreadyInChain?:
                return BroadcastTxResult(accepted: true, peers: 0, reason: "already in a block: \(error.description)")
            case RPCErrorCode.verifyError?, RPCErrorCode.verifyRejected?, RPCErrorCode.deserializationError?:
                return BroadcastTxResult(accepted: false, peers: 0, reason: error.description)
            default:
                throw DriverProtocolError(.peerUnavailable, error.description)
            }
        }
        let peers = (try? await rpc.getPeerInfo().filter { $0.inbound != true }.count) ?? 0
        return BroadcastTxResult(accepted: true, peers: peers)
    }

    public func stop(context: DriverContext) async {
        await state.close()
    }
}

/// The driver's state after `init`.
actor RPCDriverState {
    private var rpc: BitcoindRPCClient?
    private var fetcher: PeerBlockFetcher?
    private(set) var address: String?

    func set(rpc: BitcoindRPCClient, fetcher: PeerBlockFetcher, address: String) {
        self.rpc = rpc
        self.fetcher = fetcher
        self.address = address
    }

    func ready() throws(DriverProtocolError) -> (BitcoindRPCClient, PeerBlockFetcher) {
        guard let rpc, let fetcher else { throw DriverProtocolError(.notInitialized, "init first") }
        return (rpc, fetcher)
    }

    func close() async {
        await rpc?.close()
        rpc = nil
        fetcher = nil
    }
}
