import BitcoinPrimitives
import DriverKit
import DriverProtocol
import Foundation

/// `altnet-driver-esplora`: headers, blocks and transaction broadcast through the Esplora HTTP
/// API (mempool.space, blockstream.info, a self-hosted electrs). Each base URL is a peer: the
/// core's fan-out asks each for headers and validates each answer with HeaderChain, so a source
/// that is behind or lies loses to the valid chain with the most work; the driver also compares
/// what the sources said at each height and reports a source that disagrees (log line and
/// `esplora.listsources`).
public struct EsploraDriver: Driver {
    /// The driver-specific method listing the sources with their figures.
    public static let listSourcesMethod = "esplora.listsources"

    /// Makes the HTTP transport for the options (the executable's async-http-client; tests' fakes).
    public typealias TransportFactory = @Sendable (EsploraOptions) throws -> any EsploraTransport

    let makeTransport: TransportFactory
    let defaults: [String: JSONValue]
    let state = EsploraDriverState()

    /// - Parameters:
    ///   - defaults: option values used where `init` has none (the executable's command line).
    ///   - makeTransport: the HTTP transport for the options.
    public init(defaults: [String: JSONValue] = [:], transport makeTransport: @escaping TransportFactory) {
        self.defaults = defaults
        self.makeTransport = makeTransport
    }

    public var info: DriverDescription {
        DriverDescription(
            name: "esplora", version: "0.1.0",
            capabilities: TransportCapabilities(
                send: true, receive: false, messageKinds: [.headers, .blocks, .transactions],
                latency: .medium, bandwidth: .high, privacy: .none),
            options: EsploraOptions.specs)
    }

    public func start(_ params: InitParams, context: DriverContext) async throws {
        let given = params.options.filter { $0.value != .null }
        let options = try EsploraOptions(given.merging(defaults) { fromInit, _ in fromInit }, network: params.network)
        let transport: any EsploraTransport
        do {
            transport = try makeTransport(options)
        } catch {
            throw DriverProtocolError(.invalidParams, "cannot set up HTTP: \(error)")
        }
        let sources = options.urls.map {
            EsploraSource(baseURL: $0, transport: transport, timeout: options.timeout, retries: options.retries)
        }
        await state.set(sources: sources, transport: transport, book: SourceBook(ids: options.urls))
        let via = options.proxy.map { " via \($0)" } ?? ""
        context.logger.info("esplora: \(sources.count) source(s) on \(params.network)\(via): \(options.urls.map { LogText.escaped($0, limit: 120) }.joined(separator: ", "))")
        let state = self.state, genesis = try? BlockHash(displayHex: params.chain.genesisHash)
        await state.setCheck(Task {
            if let genesis { await Self.checkChains(sources, genesis: genesis, state: state, context: context) }
            await Self.watchTips(state: state, every: options.poll, context: context)
        })
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

    public func listPeers(context: DriverContext) async throws -> ListPeersResult {
        let sources = (try? await state.ready().0) ?? []
        var peers: [DriverProtocol.PeerInfo] = []
        for source in sources {
            var peer = Self.peerInfo(source.baseURL)
            peer.startHeight = await state.announced(source.baseURL)
            peers.append(peer)
        }
        return ListPeersResult(peers: peers)
    }

    /// A source as a peer: its base URL is its id, its host (and port) its address.
    static func peerInfo(_ url: String) -> DriverProtocol.PeerInfo {
        let parts = URLComponents(string: url)
        let address = parts?.host.map { host in parts?.port.map { "\(host):\($0)" } ?? host }
        return DriverProtocol.PeerInfo(id: url, address: address, direction: .outbound)
    }

    public func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
        let (sources, book) = try await state.ready()
        guard let id = PeerChoice.pick(requested: params.peer, ready: sources.map(\.baseURL)),
              let source = sources.first(where: { $0.baseURL == id })
        else { throw PeerChoice.unavailable(requested: params.peer) }
        let payload = try DriverProtocol.Hex.decode(params.message.payload, field: "payload")
        let deadline = ContinuousClock.now + .milliseconds(max(params.timeoutMs, 1))
        let reply: DriverProtocol.P2PMessage?
        do {
            reply = try await carry(params.message.command, payload, source: source, book: book, deadline: deadline, context: context)
        } catch {
            guard let failure = error as? EsploraSourceError else { throw error }
            await book.count(source: id, failure: failure.description)
            context.logger.info("esplora: \(LogText.escaped(id, limit: 120)) \(params.message.command): \(failure)")
            throw failure.protocolError(source: id)
        }
        await book.count(source: id, failure: nil)
        let replies = params.expect.isEmpty ? [] : reply.map { [$0] } ?? []
        return SendMessageResult(peer: id, replies: replies)
    }

    /// One message to one source.
    /// - Returns: the reply, nil for a transaction (the source's `POST /tx` answer is its txid).
    /// - Throws: ``EsploraSourceError`` from the source, ``DriverProtocolError`` for a bad request.
    func carry(
        _ command: String, _ payload: [UInt8], source: EsploraSource, book: SourceBook, deadline: ContinuousClock.Instant,
        context: DriverContext
    ) async throws -> DriverProtocol.P2PMessage? {
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
    ) async throws -> DriverProtocol.P2PMessage {
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
        return DriverProtocol.P2PMessage(command: "headers", payload: DriverProtocol.Hex.encode(BitcoinPrimitives.P2PMessage.headers(walk.headers).encodePayload()))
    }

    /// A `getdata` for one block (`/block/:hash/raw`); transaction entries and blocks the source
    /// does not have are answered `notfound`.
    func getData(_ payload: [UInt8], source: EsploraSource, deadline: ContinuousClock.Instant) async throws -> DriverProtocol.P2PMessage {
        let items: [Inventory]
        do {
            items = try Inventory.decodeList(payload[...])
        } catch {
            throw DriverProtocolError(.invalidParams, "getdata payload: \(error)")
        }
        let blocks = items.filter { $0.type.base == .block }
        guard blocks.count <= 1, blocks.count == items.count || blocks.isEmpty else {
            throw DriverProtocolError(.invalidParams, "altnet-driver-esplora answers a getdata for one block, or for transactions only")
        }
        let notFound = {
            var w = ByteWriter()
            Inventory.encodeList(items, to: &w)
            return DriverProtocol.P2PMessage(command: "notfound", payload: DriverProtocol.Hex.encode(w.bytes))
        }
        guard let item = blocks.first else { return notFound() }
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
        return DriverProtocol.P2PMessage(command: "block", payload: DriverProtocol.Hex.encode(wire))
    }

    /// `broadcasttx`: `POST /tx` to every source at once; accepted when one took it.
    public func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult {
        let (sources, book) = try await state.ready()
        guard !sources.isEmpty else { throw PeerChoice.unavailable(requested: nil) }
        let tx = try DriverProtocol.Hex.decode(params.tx, field: "tx")
        let outcomes = await Self.post(tx, to: sources)
        for (id, failure) in outcomes {
            await book.count(source: id, failure: failure)
            if let failure { context.logger.info("esplora: \(LogText.escaped(id, limit: 120)) refused the transaction: \(failure)") }
        }
        let accepted = outcomes.filter { $0.failure == nil }.count
        let reason = accepted == 0 ? outcomes.compactMap(\.failure).first.map { String($0.prefix(500)) } : nil
        return BroadcastTxResult(accepted: accepted > 0, peers: accepted, reason: reason)
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

    public func handle(_ frame: RPCFrame, id: RPCID, context: DriverContext) async throws -> [UInt8] {
        guard frame.method == Self.listSourcesMethod else {
            throw DriverProtocolError(.methodNotFound, "unknown method \"\(LogText.escaped(frame.method ?? "", limit: 64))\"")
        }
        let (_, book) = try await state.ready()
        return try RPCCodec.result(id: id, ListSourcesResult(sources: await book.all()))
    }

    public func stop(context: DriverContext) async {
        await state.close()
    }
}

/// The driver's state after `init`.
actor EsploraDriverState {
    private var sources: [EsploraSource] = []
    private var transport: (any EsploraTransport)?
    private var book: SourceBook?
    /// Sources found serving another chain.
    private var excluded: Set<String> = []
    private var check: Task<Void, Never>?

    func set(sources: [EsploraSource], transport: any EsploraTransport, book: SourceBook) {
        self.sources = sources
        self.transport = transport
        self.book = book
    }

    func setCheck(_ task: Task<Void, Never>) { check = task }

    func exclude(_ id: String) { excluded.insert(id) }

    /// The highest tip height each source reported.
    private var heights: [String: Int] = [:]

    /// Records a source's tip height.
    /// - Returns: true when it is higher than any it reported before (worth announcing).
    func announce(_ id: String, height: Int) -> Bool {
        guard !excluded.contains(id), height > heights[id] ?? -1 else { return false }
        heights[id] = height
        return true
    }

    func announced(_ id: String) -> Int? { heights[id] }

    /// The usable sources (not excluded) and the book.
    func ready() throws(DriverProtocolError) -> ([EsploraSource], SourceBook) {
        guard let book, !sources.isEmpty else { throw DriverProtocolError(.notInitialized, "init first") }
        return (sources.filter { !excluded.contains($0.baseURL) }, book)
    }

    func close() async {
        check?.cancel()
        check = nil
        await transport?.shutdown()
        transport = nil
        sources = []
        book = nil
    }
}
