import BitcoinPrimitives
import BitcoindRPC
import Foundation
import JSON

/// Where a pretend peer gets a block simnode has only the header of: another node's RPC
/// (`getblock HASH 0`), set with `simsetblocksource URL COOKIEFILE`.
struct BlockSource: Sendable {
    /// The URL as given ("http://127.0.0.1:18443").
    let url: String
    let cookieFile: String
    let client: BitcoindRPCClient

    /// - Parameters:
    ///   - url: `http://HOST:PORT` (the path, if any, is ignored).
    ///   - cookieFile: the source's `.cookie` path (re-read on 401, as bitcoind rewrites it).
    /// - Throws: ``RPCFailure`` (RPC_INVALID_PARAMETER) for a URL without host or port.
    init(url: String, cookieFile: String) throws(RPCFailure) {
        guard let parsed = URL(string: url), parsed.scheme == "http", let host = parsed.host, let port = parsed.port,
            (1...65535).contains(port)
        else {
            throw RPCFailure(RPCFailure.invalidParameter, "block source URL must be http://HOST:PORT, got \(url)")
        }
        guard !cookieFile.isEmpty else {
            throw RPCFailure(RPCFailure.invalidParameter, "block source needs the cookie file path")
        }
        self.url = url
        self.cookieFile = cookieFile
        var config = BitcoindRPCClient.Configuration(host: host, port: port, credentials: .cookieFile(cookieFile))
        config.requestTimeout = .seconds(30)
        client = BitcoindRPCClient(config)
    }
}

/// `simsetblocksource` and the fetch it enables: when a pretend peer that delivers is asked
/// (getblockfrompeer) for a block simnode has only the header of and holds no withheld copy,
/// the block comes from the source's getblock, is checked like submitblock and stored as if
/// that peer had sent it.
extension SimnodeNode {
    /// `simsetblocksource URL COOKIEFILE` sets the source; with no URL (or "") it clears it.
    /// - Returns: {"url","cookiefile"} of the source, or null when cleared.
    func setBlockSource(_ raw: JSONValue) throws(RPCFailure) -> JSONValue {
        let p = try RPCParams(method: "simsetblocksource", names: ["url", "cookiefile"], raw: raw)
        let old = p2p.blockSource
        defer { if let old, p2p.blockSource?.client !== old.client { Task { await old.client.close() } } }
        guard let url = try p.optionalString(0), !url.isEmpty else {
            p2p.blockSource = nil
            return .null
        }
        let source = try BlockSource(url: url, cookieFile: try p.optionalString(1) ?? "")
        p2p.blockSource = source
        return .object([("url", .string(source.url)), ("cookiefile", .string(source.cookieFile))])
    }

    /// Fetches `hash` from the block source, if one is set and the block is still missing.
    func fetchFromBlockSource(_ hash: BlockHash) {
        guard let source = p2p.blockSource, let entry = chain.entry(hash), entry.block == nil else { return }
        Task {
            do {
                let bytes = try await source.client.getBlockBytes(hash)
                self.receiveSourcedBlock(hash, bytes)
            } catch {
                self.logSourceFailure(hash, "\(error)")
            }
        }
    }

    private func logSourceFailure(_ hash: BlockHash, _ reason: String) {
        p2p.logger.warning("block source \(p2p.blockSource?.url ?? "-") could not give \(hash.displayHex): \(reason)")
    }

    private func receiveSourcedBlock(_ hash: BlockHash, _ bytes: [UInt8]) {
        guard let block = try? SimBlock(bytes: bytes), block.hash == hash else {
            logSourceFailure(hash, "the source answered with a different or undecodable block")
            return
        }
        do {
            let result = try submitBlock(Hex.encode(bytes))
            if result != .null { p2p.logger.info("sourced block \(hash.displayHex): \(result)") }
        } catch {
            logSourceFailure(hash, error.message)
        }
    }
}
