import BitcoinPrimitives
import DriverKit
import DriverProtocol

/// The driver's background readings of its sources: which chain each serves, and its tip height.
extension EsploraDriver {
    /// Asks every source for its genesis block once; a source on another chain (a mainnet URL
    /// given to a testnet node) is dropped: `peerdisconnected`, and no request goes to it.
    static func checkChains(_ sources: [EsploraSource], genesis: BlockHash, state: EsploraDriverState, context: DriverContext) async {
        await withTaskGroup(of: Void.self) { group in
            for source in sources {
                group.addTask {
                    let id = LogText.escaped(source.baseURL, limit: 120)
                    switch await source.serves(genesis: genesis, deadline: .now + source.timeout) {
                    case false?:
                        await state.exclude(source.baseURL)
                        context.logger.error("esplora: \(id) serves another chain (its block 0 is not \(genesis)): not used")
                        try? context.peerDisconnected(source.baseURL, reason: "serves another chain")
                    case nil:
                        context.logger.info("esplora: \(id) did not say which chain it serves (no block 0): used, its answers validated as any")
                    case true?:
                        break
                    }
                }
            }
        }
    }

    /// Reads each source's tip height, now and then every `interval`, and announces a higher one
    /// as the source's `start_height` (a `peerconnected` carrying it): the core cross-checks
    /// when a peer announces a height above bitcoind's tip, so a source that sees a block first
    /// starts a check, as Eclair's watchdog uses these servers. A claim, proven only by headers.
    static func watchTips(state: EsploraDriverState, every interval: Duration?, context: DriverContext) async {
        while !Task.isCancelled {
            let sources = (try? await state.ready().0) ?? []
            await withTaskGroup(of: Void.self) { group in
                for source in sources {
                    group.addTask {
                        guard let height = try? await source.tipHeight(deadline: .now + source.timeout),
                              await state.announce(source.baseURL, height: height)
                        else { return }
                        var peer = peerInfo(source.baseURL)
                        peer.startHeight = height
                        try? context.peerConnected(peer)
                    }
                }
            }
            guard let interval else { return }
            try? await Task.sleep(for: interval)
        }
    }
}
