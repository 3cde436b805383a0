import BitcoindRPC
import Foundation
import Watchdog

/// The watchdog's ``ChainObserver`` over BitcoindRPC: getblockchaininfo, getchaintips (plus
/// getblockheader for the work of headers-only and valid-headers tips) and getpeerinfo.
public struct RPCChainObserver: ChainObserver {
    public let rpc: BitcoindRPCClient

    public init(rpc: BitcoindRPCClient) { self.rpc = rpc }

    /// - Returns: bitcoind's chain now.
    /// - Throws: any RPC failure (the watchdog reads it as bitcoind unreachable).
    public func observe() async throws -> ChainObservation {
        let info = try await rpc.getBlockchainInfo()
        var tips: [ChainTipObservation] = []
        for tip in try await rpc.getChainTips() {
            let status: ChainTipStatus = switch tip.status {
            case .active: .active
            case .validFork: .validFork
            case .validHeaders: .validHeaders
            case .headersOnly: .headersOnly
            case .invalid: .invalid
            case .other(let s): .other(s)
            }
            var work: ObservedWork?
            if status == .headersOnly || status == .validHeaders {
                work = try? ObservedWork(hex: try await rpc.getBlockHeaderInfo(tip.hash).chainWork)
            }
            tips.append(ChainTipObservation(hash: tip.hash, height: tip.height, branchLength: tip.branchLength,
                                            status: status, chainWork: work))
        }
        let peers = try await rpc.getPeerInfo().map {
            PeerObservation(id: $0.id, address: $0.addr ?? "", network: $0.network,
                            connectionType: $0.connectionType ?? "", transport: $0.transportProtocolType)
        }
        return ChainObservation(
            at: Date(), bestBlockHash: info.bestBlockHash, height: info.blocks,
            tipTime: Date(timeIntervalSince1970: TimeInterval(info.time ?? 0)),
            chainWork: try ObservedWork(hex: info.chainWork ?? "0"), headers: info.headers,
            initialBlockDownload: info.initialBlockDownload, tips: tips, peers: peers)
    }
}
