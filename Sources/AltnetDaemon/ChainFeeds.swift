import BitcoinPrimitives
import BitcoindRPC
import BitcoindZMQ
import Foundation
import Watchdog

// The watchdog's two inputs from bitcoind: RPC polls as a ChainObserver, ZMQ as FeedEvents.
// (The same glue as Tests/BitcoindTests/WatchdogSimnodeTests.swift; AltLogic may publish a shared
// one, at which point this file goes.)

/// A ``ChainObserver`` over BitcoindRPC: getblockchaininfo, getchaintips (+ getblockheader for
/// the work of headers-only / valid-headers tips), getpeerinfo.
struct DaemonChainObserver: ChainObserver {
    let rpc: BitcoindRPCClient

    func observe() async throws -> ChainObservation {
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

extension FeedEvent {
    /// The watchdog's view of one ZMQ event (nil: nothing the watchdog uses).
    init?(zmq event: ZMQEvent) {
        switch event {
        case .message(let m):
            switch m.notification {
            case .hashBlock(let h): self = .blockConnected(h)
            case .rawBlock(let b): self = .blockConnected(b.hash)
            case .sequence(.blockConnected(let h)): self = .blockConnected(h)
            case .sequence(.blockDisconnected(let h)): self = .blockDisconnected(h)
            default: return nil
            }
        case .gap(let topic, _, _, let missed): self = .gap(topic: topic.rawValue, missed: UInt64(missed))
        case .publisherRestarted(let topic, _, _): self = .publisherRestarted(topic: topic.rawValue)
        case .malformed(let e): self = .malformed(e.description)
        case .connected(let e): self = .connected(endpoint: e)
        case .disconnected(let e): self = .disconnected(endpoint: e)
        case .consumerLagged(let n): self = .consumerLagged(dropped: n)
        }
    }
}
