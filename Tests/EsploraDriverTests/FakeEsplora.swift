import BitcoinPrimitives
import EsploraDriverCore
import Foundation
import TestSupport

/// An in-memory Esplora server behind ``EsploraTransport``: the real mainnet headers from
/// ../shared/data/mainnet, with fault switches. Records every URL asked.
final class FakeEsplora: EsploraTransport, @unchecked Sendable {
    // @unchecked: every mutable field is guarded by `lock`.
    static let firstHeight = 822_528
    let headers: [BlockHeader]
    let hashes: [BlockHash]
    private let lock = NSLock()
    private var asked: [String] = []
    /// Answers queued for the next requests, before the normal routing (faults).
    private var queued: [Result<EsploraResponse, EsploraTransportError>] = []

    init(headers: [BlockHeader]) {
        self.headers = headers
        hashes = headers.map(\.hash)
    }

    /// The 8,065 real mainnet headers 822528 ... 830592.
    static func mainnet(count: Int = 8065) throws -> FakeEsplora {
        FakeEsplora(headers: try MainnetHeaders.load().prefix(count).map { $0 })
    }

    func queue(_ answers: [Result<EsploraResponse, EsploraTransportError>]) { lock.withLock { queued += answers } }
    var requests: [String] { lock.withLock { asked } }

    func perform(_ request: EsploraRequest) async throws(EsploraTransportError) -> EsploraResponse {
        let next: Result<EsploraResponse, EsploraTransportError>? = lock.withLock {
            asked.append(request.url)
            return queued.isEmpty ? nil : queued.removeFirst()
        }
        let response = try (next ?? .success(route(request))).get()
        guard response.body.count <= request.maxBodyBytes else { throw .bodyTooLarge(limit: request.maxBodyBytes) }
        return response
    }

    func shutdown() async {}

    private func route(_ request: EsploraRequest) -> EsploraResponse {
        if request.method == .post {
            return EsploraResponse(status: 400, body: Array("sendrawtransaction RPC error: no transactions here".utf8))
        }
        let path = request.url.split(separator: "/", omittingEmptySubsequences: true).dropFirst(2)  // "http:", host
        let parts = Array(path.map(String.init))
        func text(_ s: String) -> EsploraResponse { EsploraResponse(status: 200, body: Array(s.utf8)) }
        let notFound = EsploraResponse(status: 404, body: Array("Block not found".utf8))
        switch parts.count {
        case 3 where parts[0] == "blocks" && parts[2] == "height": return text("\(Self.firstHeight + headers.count - 1)")
        case 3 where parts[0] == "blocks" && parts[2] == "hash": return text(hashes.last!.displayHex)
        case 2 where parts[0] == "block-height":
            guard let h = Int(parts[1]), h >= Self.firstHeight, h < Self.firstHeight + headers.count else { return notFound }
            return text(hashes[h - Self.firstHeight].displayHex)
        case 3 where parts[0] == "block":
            guard let hash = try? BlockHash(displayHex: parts[1]), let i = hashes.firstIndex(of: hash) else { return notFound }
            switch parts[2] {
            case "header": return text(Hex.encode(headers[i].serialized))
            case "status": return text("{\"in_best_chain\":true,\"height\":\(Self.firstHeight + i),\"next_best\":null}")
            default: return notFound
            }
        default: return EsploraResponse(status: 404, body: [])
        }
    }
}

/// The shared mainnet headers and the chain work at their first height.
enum MainnetHeaders {
    struct NoRow: Error { let height: Int }

    static func load() throws -> [BlockHeader] {
        let bytes = [UInt8](try SharedData.data("data/mainnet/headers-822528-830592.bin"))
        return try stride(from: 0, to: bytes.count, by: 80).map { try BlockHeader(bytes: bytes[$0..<($0 + 80)]) }
    }

    static func chainWork(atHeight height: Int) throws -> UInt256 {
        for row in try SharedData.rows("data/mainnet/chainwork.tsv", separator: "\t") where Int(row[0]) == height {
            return try UInt256(bigEndianHex: row[1])
        }
        throw NoRow(height: height)
    }
}
