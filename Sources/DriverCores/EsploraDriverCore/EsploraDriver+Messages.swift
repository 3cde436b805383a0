import BitcoinPrimitives
import DriverKit
import DriverProtocol

/// The P2P messages the driver carries, each turned into Esplora requests to one source.
extension EsploraDriver {
    /// One message to one source.
    /// - Returns: the reply, nil for a transaction (the source's `POST /tx` answer is its txid).
    /// - Throws: ``EsploraSourceError`` from the source, ``DriverProtocolError`` for a bad request.
    func carry(
        _ command: String, _ payload: [UInt8], source: EsploraSource, book: SourceBook, deadline: ContinuousClock.Instant,
        context: DriverContext
    ) async throws -> DriverP2PMessage? {
        switch command {
        case "getheaders":
            return try await headers(payload, source: source, book: book, deadline: deadline, context: context)
        case "getdata":
            return try await getData(payload, source: source, deadline: deadline)
        case "tx":
            if case .failure(let refusal) = try await source.postTransaction(payload, deadline: deadline) { throw refusal }
            return nil
        default:
            throw DriverProtocolError(.invalidParams, "altnet-driver-esplora carries getheaders, getdata and tx, not \(LogText.escaped(command, limit: 12))")
        }
    }

    /// A `getheaders` answered from one source; what it said is compared with the other sources.
    func headers(
        _ payload: [UInt8], source: EsploraSource, book: SourceBook, deadline: ContinuousClock.Instant, context: DriverContext
    ) async throws -> DriverP2PMessage {
        let request: GetHeadersMessage
        do {
            request = try GetHeadersMessage(payload: payload[...])
        } catch {
            throw DriverProtocolError(.invalidParams, "getheaders payload: \(error)")
        }
        let walk = try await HeaderWalk.walk(request, source: source, deadline: deadline)
        if let cut = walk.cut {
            context.logger.info("esplora: \(LogText.escaped(source.baseURL, limit: 120)) headers from \(walk.forkHeight + 1) cut at \(LogText.escaped(cut, limit: 300))")
        }
        let hashes = walk.headers.indices.map { (height: walk.height(of: $0), hash: walk.headers[$0].hash) }
        for d in await book.record(source: source.baseURL, hashes: hashes) {
            context.logger.warning("esplora: sources disagree \(LogText.escaped(d.description, limit: 2000))")
        }
        return DriverP2PMessage(command: "headers", payloadBytes: P2PMessage.headers(walk.headers).encodePayload())
    }

    /// A `getdata` for one block (`/block/:hash/raw`); transaction entries and blocks the source
    /// does not have are answered `notfound`.
    func getData(_ payload: [UInt8], source: EsploraSource, deadline: ContinuousClock.Instant) async throws -> DriverP2PMessage {
        let request = try OneBlockGetData(payload, driver: "altnet-driver-esplora")
        let notFound = { request.notFound }
        guard let item = request.block else { return notFound() }
        let hash = BlockHash(item.hash)
        let fetched: Result<[UInt8], EsploraSourceError>
        do throws(EsploraSourceError) {
            fetched = .success(try await source.rawBlock(hash, deadline: deadline))
        } catch {
            fetched = .failure(error)
        }
        let bytes: [UInt8]
        switch fetched {
        case .success(let b): bytes = b
        case .failure(let error) where error.isNotFound: return notFound()
        case .failure(let error): throw error
        }
        let block: Block
        do {
            block = try Block(bytes: bytes)
        } catch {
            throw EsploraSourceError.malformed("block \(hash) does not parse: \(error)")
        }
        guard block.hash == hash else { throw EsploraSourceError.malformed("asked for block \(hash), got \(block.hash)") }
        let wire = item.type.isWitness ? bytes : block.serialized(includingWitness: false)
        return DriverP2PMessage(command: "block", payloadBytes: wire)
    }

    /// `POST /tx` to every source at once, each within its own timeout.
    /// - Returns: per source, nil when it took the transaction, else why not.
    static func post(_ tx: [UInt8], to sources: [EsploraSource]) async -> [(id: String, failure: String?)] {
        await withTaskGroup(of: (String, String?).self) { group in
            for source in sources {
                group.addTask {
                    do throws(EsploraSourceError) {
                        switch try await source.postTransaction(tx, deadline: .now + source.timeout) {
                        case .success: return (source.baseURL, nil)
                        case .failure(let refusal): return (source.baseURL, refusal.description)
                        }
                    } catch {
                        return (source.baseURL, error.description)
                    }
                }
            }
            var all: [(id: String, failure: String?)] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted { $0.id < $1.id }
        }
    }
}
