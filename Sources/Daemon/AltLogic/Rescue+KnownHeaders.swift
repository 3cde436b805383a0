import BitcoinPrimitives
import HeaderChain

extension Rescue {
    /// The headers bitcoind already holds of a chain with more work than its active one, but not
    /// the blocks (a `headers-only` tip of `getchaintips`: its own peers announced the headers and
    /// then withheld the blocks, or an earlier rescue submitted the headers and then failed on
    /// the blocks). Those blocks only need fetching: no getheaders round is needed.
    ///
    /// The branch is read back from bitcoind (`getblockheader` from the tip down to the fork with
    /// its active chain) and checked again through a ``HeaderChain`` anchored at the fork, so the
    /// block fetch works on validated headers.
    /// - Parameter state: bitcoind's chain.
    /// - Returns: the branch above the fork, oldest first, or nil when there is no such tip (or
    ///   its branch is longer than ``AltLogicConfig/maxHeadersHeld``).
    /// - Throws: RPC failures, ``RescueStop`` when bitcoind's own headers do not check.
    func knownHeadersPath(above state: ChainState) async throws -> [ValidatedHeader]? {
        let tips = try await backend.chainTips()
        let candidates = tips.filter { $0.status == .headersOnly && $0.height > state.tipHeight && $0.branchLength > 0 }
            .sorted { $0.height > $1.height }
        for tip in candidates.prefix(4) where tip.branchLength <= config.maxHeadersHeld {
            // Down from the tip to the first header on the active chain (the fork).
            var headers: [BlockHeader] = []
            var cursor = tip.hash
            var fork: HeaderStatus?
            while headers.count <= tip.branchLength {
                try checkDeadline()
                guard let status = try await backend.headerStatus([cursor]).first ?? nil else { break }
                if status.onActiveChain {
                    fork = status
                    break
                }
                headers.append(status.header)
                cursor = status.header.previousBlockHash
            }
            guard let fork, !headers.isEmpty else { continue }
            headers.reverse()
            var chain = HeaderChain(params: view.params, anchor: try await view.anchor(at: fork),
                                    limits: .init(maxHeadersPerSource: max(1, config.maxHeadersHeld), maxTips: 2))
            do throws(HeaderRejection) {
                _ = try chain.accept(headers, from: HeaderSource("bitcoind"), now: Int64(clock.wallTime()))
            } catch {
                logger.warning("bitcoind's headers-only branch does not check", metadata: ["tip": "\(tip.hash)", "error": "\(error)"])
                continue
            }
            guard chain.tip.hash == tip.hash, chain.tip.chainWork > state.tipWork else { continue }
            var path: [ValidatedHeader] = []
            path.reserveCapacity(headers.count)
            for height in (fork.height + 1)...chain.tip.height {
                guard let header = chain.header(atHeight: height) else { break }
                path.append(header)
            }
            return path.count == headers.count ? path : nil
        }
        return nil
    }
}
