import BitcoinPrimitives
import BitcoindRPC
import HeaderChain

/// bitcoind's active chain as AltLogic reads it over RPC: the tip with its work, block locators,
/// active-chain membership, and trusted anchors for ``HeaderChain``.
struct BitcoindChainView: Sendable {
    let rpc: BitcoindRPCClient
    let params: ChainParams

    /// bitcoind's tip.
    struct Tip: Sendable {
        let hash: BlockHash
        let height: Int
        let chainWork: UInt256
    }

    /// Why reading bitcoind's chain failed.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Most headers fetched per batch RPC.
    static let batchSize = 2_000

    /// - Returns: bitcoind's active tip with its cumulative work.
    /// - Throws: ``BitcoindRPCError`` or ``Failure``.
    func tip() async throws -> Tip {
        let hash = try await rpc.getBestBlockHash()
        let info = try await rpc.getBlockHeaderInfo(hash)
        return Tip(hash: hash, height: info.height, chainWork: try Self.work(info.chainWork))
    }

    static func work(_ hex: String) throws -> UInt256 {
        do { return try UInt256(bigEndianHex: hex) } catch { throw Failure(description: "chainwork \"\(hex.prefix(70))\" is not hex") }
    }

    /// Active-chain hashes at `heights`, in one batch.
    /// - Throws: when any height is missing (the chain moved under us) or the RPC fails.
    func hashes(atHeights heights: [Int]) async throws -> [BlockHash] {
        var result: [BlockHash] = []
        result.reserveCapacity(heights.count)
        var start = 0
        while start < heights.count {
            let chunk = heights[start..<min(start + Self.batchSize, heights.count)]
            let answers = try await rpc.batch("getblockhash", chunk.map { [.int($0)] }, as: String.self)
            for (height, answer) in zip(chunk, answers) {
                let hex = try answer.get()
                do { result.append(try BlockHash(displayHex: hex)) } catch {
                    throw Failure(description: "getblockhash \(height) returned \"\(hex.prefix(70))\"")
                }
            }
            start += chunk.count
        }
        return result
    }

    /// Headers by hash, in one batch per 2,000.
    func headers(_ hashes: [BlockHash]) async throws -> [BlockHeader] {
        var result: [BlockHeader] = []
        result.reserveCapacity(hashes.count)
        var start = 0
        while start < hashes.count {
            let chunk = hashes[start..<min(start + Self.batchSize, hashes.count)]
            let answers = try await rpc.batch("getblockheader", chunk.map { [.hash($0), false] }, as: String.self)
            for (hash, answer) in zip(chunk, answers) {
                let hex = try answer.get()
                guard let bytes = try? [UInt8](hex: hex), let header = try? BlockHeader(bytes: bytes), header.hash == hash else {
                    throw Failure(description: "getblockheader \(hash) returned a header that does not hash to it")
                }
                result.append(header)
            }
            start += chunk.count
        }
        return result
    }

    /// A block locator over bitcoind's active chain (Core's spacing: ten dense, then doubling).
    /// - Returns: locator hashes, tip first, genesis last.
    func locator(tipHeight: Int) async throws -> [BlockHash] {
        try await hashes(atHeights: BlockLocator.heights(tipHeight: tipHeight))
    }

    /// Verbose header info for hashes, nil for those bitcoind does not know.
    func headerInfos(_ hashes: [BlockHash]) async throws -> [BlockHeaderInfo?] {
        guard !hashes.isEmpty else { return [] }
        let answers = try await rpc.batch("getblockheader", hashes.map { [.hash($0), true] }, as: BlockHeaderInfo.self)
        return try answers.map { answer in
            switch answer {
            case .success(let info): return info
            case .failure(let error) where error.rpcCode == RPCErrorCode.invalidAddressOrKey: return nil
            case .failure(let error): throw error
            }
        }
    }

    /// A trusted anchor at a header on bitcoind's active chain, with the ancestors the difficulty
    /// rules may read for the headers after it: the previous 11 for median-time-past, and back to
    /// the retarget period's first header where retargeting (or testnet's walk-back) applies.
    /// - Parameter info: the anchor's verbose header (confirmations >= 0).
    /// - Throws: RPC failures, inconsistent answers.
    func anchor(at info: BlockHeaderInfo) async throws -> ChainAnchor {
        let height = info.height
        let interval = params.difficultyAdjustmentInterval
        var depth = ChainParams.medianTimeSpan
        if !params.noRetargeting || params.allowMinDifficultyBlocks {
            depth = max(depth, (height % interval) + 1)
        }
        depth = min(depth, height)
        let ancestorHashes = depth > 0 ? try await hashes(atHeights: Array((height - depth)..<height)) : []
        let ancestors = try await headers(ancestorHashes)
        do {
            return try ChainAnchor(header: info.header, height: height, chainWork: try Self.work(info.chainWork), ancestors: ancestors)
        } catch {
            throw Failure(description: "bitcoind's chain changed while reading the anchor at \(height): \(error)")
        }
    }
}
