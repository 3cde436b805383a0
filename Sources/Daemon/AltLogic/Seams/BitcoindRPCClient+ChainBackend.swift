import BitcoinPrimitives
import BitcoindRPC

/// The real ``ChainBackend``: bitcoind over JSON-RPC, batched where Core allows it.
extension BitcoindRPCClient: ChainBackend {
    /// Most calls per batch request.
    static let batchSize = 2_000

    public func chainState() async throws -> ChainState {
        let info = try await getBlockchainInfo()
        let tip = try await getBlockHeaderInfo(info.bestBlockHash)
        let tipWork = try Self.work(tip.chainWork)
        // Tips other than the active one whose headers reach at least as high: their work may
        // be more (headers-only or valid-headers branches, a better fork bitcoind has not switched to).
        let others = try await getChainTips().filter { $0.status != .active && $0.status != .invalid && $0.height >= tip.height }
        var best = tipWork
        if !others.isEmpty {
            for status in try await headerStatus(others.prefix(16).map(\.hash)) {
                if let status, status.chainWork > best { best = status.chainWork }
            }
        }
        return ChainState(tipHash: info.bestBlockHash, tipHeight: tip.height, tipWork: tipWork, headers: info.headers,
                          blocks: info.blocks, initialBlockDownload: info.initialBlockDownload, bestHeaderWork: best)
    }

    public func headerStatus(_ hashes: [BlockHash]) async throws -> [HeaderStatus?] {
        var result: [HeaderStatus?] = []
        result.reserveCapacity(hashes.count)
        for chunk in hashes.chunked(Self.batchSize) {
            let answers = try await batch("getblockheader", chunk.map { [.hash($0), true] }, as: BlockHeaderInfo.self)
            for answer in answers {
                switch answer {
                case .success(let info):
                    result.append(HeaderStatus(header: info.header, height: info.height, onActiveChain: info.confirmations >= 0,
                                               chainWork: try Self.work(info.chainWork)))
                case .failure(let error) where error.rpcCode == RPCErrorCode.invalidAddressOrKey:
                    result.append(nil)
                case .failure(let error):
                    throw error
                }
            }
        }
        return result
    }

    public func activeHashes(atHeights heights: [Int]) async throws -> [BlockHash] {
        var result: [BlockHash] = []
        result.reserveCapacity(heights.count)
        for chunk in heights.chunked(Self.batchSize) {
            let answers = try await batch("getblockhash", chunk.map { [.int($0)] }, as: String.self)
            for (height, answer) in zip(chunk, answers) {
                let hex = try answer.get()
                do { result.append(try BlockHash(displayHex: hex)) } catch {
                    throw ChainBackendError("getblockhash \(height) returned \"\(hex.prefix(70))\"")
                }
            }
        }
        return result
    }

    public func headers(_ hashes: [BlockHash]) async throws -> [BlockHeader] {
        var result: [BlockHeader] = []
        result.reserveCapacity(hashes.count)
        for chunk in hashes.chunked(Self.batchSize) {
            let answers = try await batch("getblockheader", chunk.map { [.hash($0), false] }, as: String.self)
            for (hash, answer) in zip(chunk, answers) {
                let hex = try answer.get()
                guard let bytes = try? [UInt8](hex: hex), let header = try? BlockHeader(bytes: bytes), header.hash == hash else {
                    throw ChainBackendError("getblockheader \(hash) returned a header that does not hash to it")
                }
                result.append(header)
            }
        }
        return result
    }

    public func chainTips() async throws -> [KnownChainTip] {
        try await getChainTips().map { tip in
            let status: KnownChainTip.Status = switch tip.status {
            case .active: .active
            case .validFork: .validFork
            case .validHeaders: .validHeaders
            case .headersOnly: .headersOnly
            case .invalid: .invalid
            case .other: .other
            }
            return KnownChainTip(hash: tip.hash, height: tip.height, branchLength: tip.branchLength, status: status)
        }
    }

    public func submitHeaders(_ headers: [BlockHeader]) async throws -> [String?] {
        var result: [String?] = []
        for chunk in headers.chunked(1_000) {
            let answers = try await batch("submitheader", chunk.map { [.hex($0.serialized)] }, as: RPCIgnored.self)
            for answer in answers {
                if case .failure(let error) = answer { result.append("\(error)") } else { result.append(nil) }
            }
        }
        return result
    }

    public func submitBlocks(_ blocks: [[UInt8]]) async throws -> [Result<String?, ChainBackendError>] {
        let verdicts = try await batch("submitblock", blocks.map { [.hex($0)] }, as: String?.self)
        return verdicts.map { verdict in verdict.mapError { ChainBackendError("\($0)") } }
    }

    static func work(_ hex: String) throws -> UInt256 {
        do { return try UInt256(bigEndianHex: hex) } catch { throw ChainBackendError("chainwork \"\(hex.prefix(70))\" is not hex") }
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: Swift.max(1, size)).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
