import BitcoinPrimitives
import DriverKit
import DriverProtocol
import Foundation
import JSON

/// One Esplora base URL and the endpoints the driver uses on it: each answer checked for shape
/// and bounded in size, each GET retried with backoff on transient failures (a timeout, a
/// refused connection, HTTP 429 and 5xx) while its deadline allows.
public struct EsploraSource: Sendable {
    /// The base URL, also this source's peer id.
    public let baseURL: String
    let transport: any EsploraTransport
    let timeout: Duration
    let retries: Int
    /// Retry pauses: 250 ms doubling to 4 s, jittered.
    let backoffBase: Duration
    let backoffCap: Duration

    public init(baseURL: String, transport: any EsploraTransport, timeout: Duration, retries: Int,
                backoffBase: Duration = .milliseconds(250), backoffCap: Duration = .seconds(4)) {
        self.baseURL = baseURL
        self.transport = transport
        self.timeout = timeout
        self.retries = retries
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
    }

    /// `GET /blocks/tip/height`.
    public func tipHeight(deadline: ContinuousClock.Instant) async throws(EsploraSourceError) -> Int {
        let text = try await getText("/blocks/tip/height", limit: EsploraLimits.heightBody, deadline: deadline)
        guard let height = Int(text), height >= 0, height < 1 << 31 else { throw .malformed("tip height \"\(LogText.escaped(text, limit: 40))\"") }
        return height
    }

    /// `GET /blocks/tip/hash`.
    public func tipHash(deadline: ContinuousClock.Instant) async throws(EsploraSourceError) -> BlockHash {
        try Self.hash(try await getText("/blocks/tip/hash", limit: EsploraLimits.hashBody, deadline: deadline))
    }

    /// `GET /block-height/:height`: the hash of the source's best-chain block at `height`.
    public func blockHash(atHeight height: Int, deadline: ContinuousClock.Instant) async throws(EsploraSourceError) -> BlockHash {
        try Self.hash(try await getText("/block-height/\(height)", limit: EsploraLimits.hashBody, deadline: deadline))
    }

    /// Whether the source serves the chain with this genesis block (`GET /block-height/0`).
    /// - Returns: true or false when it answered; nil when it could not say (unreachable, or a
    ///   server that keeps only recent blocks answers 404).
    public func serves(genesis: BlockHash, deadline: ContinuousClock.Instant) async -> Bool? {
        do throws(EsploraSourceError) {
            return try await blockHash(atHeight: 0, deadline: deadline) == genesis
        } catch {
            return nil
        }
    }

    /// `GET /block/:hash/header`, checked to hash to `hash`.
    public func header(_ hash: BlockHash, deadline: ContinuousClock.Instant) async throws(EsploraSourceError) -> BlockHeader {
        let text = try await getText("/block/\(hash.displayHex)/header", limit: EsploraLimits.headerBody, deadline: deadline)
        guard text.utf8.count == BlockHeader.size * 2, let bytes = try? [UInt8](hex: text), let header = try? BlockHeader(bytes: bytes) else {
            throw .malformed("header of \(hash) is not 160 hex characters")
        }
        guard header.hash == hash else { throw .malformed("the header served for \(hash) hashes to \(header.hash)") }
        return header
    }

    /// Where a block stands in the source's view (`GET /block/:hash/status`).
    public struct BlockStatus: Sendable, Hashable {
        public var inBestChain: Bool
        public var height: Int?
    }

    /// `GET /block/:hash/status`; a block the source does not know is `inBestChain: false`.
    public func status(_ hash: BlockHash, deadline: ContinuousClock.Instant) async throws(EsploraSourceError) -> BlockStatus {
        let body: [UInt8]
        do throws(EsploraSourceError) {
            body = try await get("/block/\(hash.displayHex)/status", limit: EsploraLimits.statusBody, deadline: deadline)
        } catch {
            // Esplora answers 404 ("Block not found") for a hash it has never seen; 400 for one it cannot parse.
            guard case .status(let code, _) = error, code == 404 || code == 400 else { throw error }
            return BlockStatus(inBestChain: false, height: nil)
        }
        guard let object = try? JSONValue.parse(body, limits: JSONLimits(maxBytes: EsploraLimits.statusBody, maxDepth: 8)),
              let inBest = object["in_best_chain"]?.boolValue
        else { throw .malformed("status of \(hash) is not {\"in_best_chain\": ...}") }
        let height = object["height"]?.intValue.map { Int(clamping: $0) }
        guard !inBest || (height ?? -1) >= 0 else { throw .malformed("status of \(hash): in the best chain without a height") }
        return BlockStatus(inBestChain: inBest, height: height)
    }

    /// `GET /block/:hash/raw`: the block's bytes, at most 4 MB (refused before buffering beyond).
    public func rawBlock(_ hash: BlockHash, deadline: ContinuousClock.Instant) async throws(EsploraSourceError) -> [UInt8] {
        try await get("/block/\(hash.displayHex)/raw", limit: EsploraLimits.blockBody, deadline: deadline)
    }

    /// `POST /tx` with the transaction's hex; the answer is its txid.
    /// - Returns: the txid the source answered, or the source's reason for refusing.
    public func postTransaction(_ tx: [UInt8], deadline: ContinuousClock.Instant) async throws(EsploraSourceError) -> Result<String, EsploraSourceError> {
        let request = EsploraRequest(
            method: .post, url: baseURL + "/tx", body: Array(Hex.encode(tx).utf8),
            maxBodyBytes: EsploraLimits.errorBody, timeout: min(timeout, max(deadline - .now, .milliseconds(1))))
        let response: EsploraResponse
        switch await exchange(request) {
        case .success(let r): response = r
        case .failure(let error): throw .transport(error)
        }
        let text = Self.text(response.body, limit: EsploraLimits.errorBody)
        guard response.status == 200 else { return .failure(.status(response.status, text)) }
        return .success(text)
    }

    // MARK: - The shared GET with retries

    func getText(_ path: String, limit: Int, deadline: ContinuousClock.Instant) async throws(EsploraSourceError) -> String {
        let body = try await get(path, limit: limit, deadline: deadline)
        return String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A GET, retried on transient failures while `deadline` and `retries` allow.
    func get(_ path: String, limit: Int, deadline: ContinuousClock.Instant) async throws(EsploraSourceError) -> [UInt8] {
        var backoff = Backoff(base: backoffBase, cap: backoffCap, jitter: 0.2)
        var attempt = 0
        while true {
            let left = deadline - .now
            guard left > .zero else { throw .transport(.timeout) }
            let failure: EsploraSourceError
            switch await exchange(EsploraRequest(url: baseURL + path, maxBodyBytes: limit, timeout: min(timeout, left))) {
            case .success(let response) where response.status == 200:
                return response.body
            case .success(let response):
                failure = .status(response.status, Self.text(response.body, limit: 200))
                guard response.status == 429 || response.status >= 500 else { throw failure }
            case .failure(let error):
                failure = .transport(error)
                guard error.isTransient else { throw failure }
            }
            attempt += 1
            let pause = backoff.next()
            guard attempt <= retries, !Task.isCancelled, ContinuousClock.now + pause < deadline else { throw failure }
            try? await Task.sleep(for: pause)
        }
    }

    /// One exchange, its failure as a value.
    func exchange(_ request: EsploraRequest) async -> Result<EsploraResponse, EsploraTransportError> {
        do throws(EsploraTransportError) {
            return .success(try await transport.perform(request))
        } catch {
            return .failure(error)
        }
    }

    /// A 64-hex-character block hash in display order.
    static func hash(_ text: String) throws(EsploraSourceError) -> BlockHash {
        guard text.utf8.count == 64, let hash = try? BlockHash(displayHex: text) else {
            throw .malformed("\"\(LogText.escaped(text, limit: 80))\" is not a block hash")
        }
        return hash
    }

    /// A body as log-safe text.
    static func text(_ body: [UInt8], limit: Int) -> String {
        LogText.escaped(String(decoding: body.prefix(limit), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), limit: limit)
    }
}
