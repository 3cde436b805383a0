import BitcoinPrimitives
import DriverKit
import DriverProtocol
import Foundation
import JSON

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

    public func listPeers(context: DriverContext) async throws -> ListPeersResult {
        let sources = (try? await state.ready().0) ?? []
        var peers: [PeerInfo] = []
        for source in sources {
            var peer = Self.peerInfo(source.baseURL)
            peer.startHeight = await state.announced(source.baseURL)
            peers.append(peer)
        }
        return ListPeersResult(peers: peers)
    }

    /// A source as a peer: its base URL is its id, its host (and port) its address.
    static func peerInfo(_ url: String) -> PeerInfo {
        let parts = URLComponents(string: url)
        let address = parts?.host.map { host in parts?.port.map { "\(host):\($0)" } ?? host }
        return PeerInfo(id: url, address: address, direction: .outbound)
    }

    public func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
        let (sources, book) = try await state.ready()
        guard let id = PeerChoice.pick(requested: params.peer, ready: sources.map(\.baseURL)),
              let source = sources.first(where: { $0.baseURL == id })
        else { throw PeerChoice.unavailable(requested: params.peer) }
        let payload = try params.message.payloadBytes()
        let deadline = ContinuousClock.now + .milliseconds(max(params.timeoutMs, 1))
        let reply: DriverP2PMessage?
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

    /// `broadcasttx`: `POST /tx` to every source at once; accepted when one took it.
    public func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult {
        let (sources, book) = try await state.ready()
        guard !sources.isEmpty else { throw PeerChoice.unavailable(requested: nil) }
        let tx = try Hex.decode(params.tx, field: "tx")
        let outcomes = await Self.post(tx, to: sources)
        for (id, failure) in outcomes {
            await book.count(source: id, failure: failure)
            if let failure { context.logger.info("esplora: \(LogText.escaped(id, limit: 120)) refused the transaction: \(failure)") }
        }
        let accepted = outcomes.filter { $0.failure == nil }.count
        let reason = accepted == 0 ? outcomes.compactMap(\.failure).first.map { String($0.prefix(500)) } : nil
        return BroadcastTxResult(accepted: accepted > 0, peers: accepted, reason: reason,
                                 sentTo: outcomes.filter { $0.failure == nil }.map(\.id))
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
