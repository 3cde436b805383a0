import BIP324DriverCore
import BitcoinPrimitives
import DriverKit
import DriverProtocol
import Foundation
import HTTPService
import JSON
import NIOCore
import NIOPosix

/// `altnet-driver-bip324`: Bitcoin P2P over BIP324 v2 encrypted transport, outbound to the
/// configured peers or, without `connect`, to peers it discovers itself (issue #19: DNS seeds,
/// fixed seeds, addr/addrv2 gossip into its own address manager, SOCKS5 proxies). Options (from
/// `init`, documented in docs/driver-bip324.md): `connect` (repeatable HOST:PORT), `listen`,
/// `handshaketimeoutms`, `pingintervalms`, `pingtimeoutms`, `maxinbound`, `outboundqueuebytes`,
/// and ``discoveryOptionSpecs``.
final class BIP324Driver: Driver, @unchecked Sendable {
    // @unchecked: `tasks` is guarded by `lock`; the rest is immutable.
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []
    private var registry: PeerRegistry?
    private var discovery: Discovery?
    private var metricsServer: HTTPServer?
    private var listener: (any Channel)?
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    /// Options from the command line; `init` options override them.
    private let defaults: [String: JSONValue]

    /// - Parameter defaults: options given as command-line flags.
    init(defaults: [String: JSONValue] = [:]) { self.defaults = defaults }

    /// v1 fallback is fixed at start, so the manifest can say the transport is not always encrypted.
    private var v1Fallback: Bool { defaults["v1fallback"] == .bool(true) }

    var info: DriverDescription {
        DriverDescription(
            name: "bip324", version: "0.1.0",
            capabilities: TransportCapabilities(
                send: true, receive: true, messageKinds: [.headers, .blocks, .transactions], encrypted: !v1Fallback,
                latency: .low, bandwidth: .high),
            options: [
                OptionSpec(name: "connect", type: .strings, description: "peer to keep a v2 connection to, HOST:PORT (IPv4, [IPv6] or hostname); repeatable"),
                OptionSpec(name: "listen", type: .string, description: "accept inbound v2 peers on HOST:PORT (off when absent)"),
                OptionSpec(name: "v1fallback", type: .bool, description: "retry a peer that is not v2 in plaintext v1; command line only (--v1-fallback), as it makes the manifest declare encrypted=false", defaultValue: .bool(false)),
                OptionSpec(name: "handshaketimeoutms", type: .int, description: "time from TCP connect to verack", defaultValue: .int(30_000)),
                OptionSpec(name: "pingintervalms", type: .int, description: "time between keepalive pings", defaultValue: .int(120_000)),
                OptionSpec(name: "pingtimeoutms", type: .int, description: "how long a ping may stay unanswered", defaultValue: .int(1_200_000)),
                OptionSpec(name: "maxinbound", type: .int, description: "inbound connections open at once (handshakes included); more are closed at accept", defaultValue: .int(32)),
                OptionSpec(name: "outboundqueuebytes", type: .int, description: "bytes written to one peer and not yet sent; a peer past it is not reading and is disconnected (4,100,000 to 1,073,741,824)", defaultValue: .int(8_388_608)),
            ] + Self.discoveryOptionSpecs)
    }

    func start(_ params: InitParams, context: DriverContext) async throws {
        let magic = try Hex.decode(params.chain.magic, field: "chain.magic")
        guard magic.count == 4 else { throw DriverProtocolError(.invalidParams, "chain.magic must be 4 bytes") }
        let options = defaults.merging(params.options) { _, fromInit in fromInit }
        let targets = try Self.targets(options["connect"])
        if params.options["v1fallback"] == .bool(true) || params.options["v1fallback"] == .int(1), !v1Fallback {
            throw DriverProtocolError(
                .invalidParams, "v1fallback must be given on the command line (--v1-fallback): the manifest already declared encrypted=true")
        }
        var timeouts = PeerTimeouts()
        if let ms = options["handshaketimeoutms"]?.intValue, ms > 0 { timeouts.handshake = .milliseconds(ms) }
        if let ms = options["pingintervalms"]?.intValue, ms > 0 { timeouts.pingInterval = .milliseconds(ms) }
        if let ms = options["pingtimeoutms"]?.intValue, ms > 0 { timeouts.pingTimeout = .milliseconds(ms) }
        var limits = PeerLimits()
        if let value = options["maxinbound"] {
            guard let count = value.intValue, (0...100_000).contains(count) else {
                throw DriverProtocolError(.invalidParams, "maxinbound must be an integer from 0 to 100,000")
            }
            limits.maxInbound = Int(count)
        }
        if let value = options["outboundqueuebytes"] {
            guard let bytes = value.intValue, PeerLimits.outboundQueueRange.contains(Int(bytes)) else {
                throw DriverProtocolError(.invalidParams, "outboundqueuebytes must be an integer from 4,100,000 to 1,073,741,824")
            }
            limits.outboundQueueBytes = Int(bytes)
        }
        let network = Network(rawValue: params.network) ?? .regtest
        let discoveryOptions = try DiscoveryOptions(options, network: network)
        let registry = PeerRegistry(context: context)
        let kit = ConnectionKit(
            networkMagic: magic, group: group, registry: registry, logger: context.logger, timeouts: timeouts, limits: limits,
            v1Fallback: v1Fallback)
        // connect=: only these peers, no discovery (bitcoind's -connect); through `proxy` when set.
        var runs: [@Sendable () async -> Void] = targets.map { target in
            let connector = kit.connector(target, gossip: nil, proxy: target.host.hasSuffix(".onion") ? (discoveryOptions.onion ?? discoveryOptions.proxy) : discoveryOptions.proxy)
            return { await connector.run() }
        }
        var discovery: Discovery?
        if discoveryOptions.discovers {
            let dataDir = options["datadir"]?.stringValue ?? params.dataDir
            let (started, tasks) = Self.startDiscovery(discoveryOptions, network: network, dataDir: dataDir, kit: kit)
            discovery = started
            runs += tasks
        }
        var listener: (any Channel)?
        if let listen = options["listen"] {
            guard let text = listen.stringValue else { throw DriverProtocolError(.invalidParams, "listen must be a string HOST:PORT") }
            let target: HostPort
            do throws(HostPortError) { target = try HostPort(parsing: text) } catch {
                throw DriverProtocolError(.invalidParams, "listen \(error)")
            }
            do {
                listener = try await PeerListener.start(
                    on: target, networkMagic: magic, group: group, registry: registry, logger: context.logger, timeouts: timeouts,
                    limits: limits, v1Fallback: v1Fallback, discovery: discovery)
            } catch {
                throw DriverProtocolError(.invalidParams, "cannot listen on \(target): \(error)")
            }
            context.logger.info("bip324: listening for inbound v2 peers on \(target) (at most \(limits.maxInbound) at once)\(v1Fallback ? " (v1 peers accepted in plaintext: v1fallback)" : "")")
        }
        if let endpoint = options["metrics"] {
            guard let text = endpoint.stringValue, let target = try? HostPort(parsing: text, ports: 0...65535) else {
                throw DriverProtocolError(.invalidParams, "metrics must be a string HOST:PORT")
            }
            let metrics = BIP324DriverMetrics()
            do {
                let registry = metrics.registry
                let server = try await HTTPServer(address: .tcp(host: target.host, port: target.port), logger: context.logger) {
                    PrometheusExposition.respond(to: $0, registry: registry)
                }
                lock.withLock { metricsServer = server }
            } catch {
                throw DriverProtocolError(.invalidParams, "cannot serve metrics on \(target): \(error)")
            }
            let book = discovery?.book
            let relay = discovery?.relay
            runs.append {
                while !Task.isCancelled {
                    metrics.update(book: book, peers: registry.list(), relay: relay?.stats)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            context.logger.info("bip324: Prometheus metrics on http://\(target)/metrics")
        }
        if discoveryOptions.discovers {
            context.logger.info("bip324 on \(params.network): discovery on, \(discoveryOptions.maxOutbound) outbound peers from distinct groups, addnode \(discoveryOptions.addnode.map(\.description)), seeds \(discoveryOptions.seeds)")
        } else {
            context.logger.info("bip324 on \(params.network): connecting to \(targets.map(\.description))")
        }
        lock.withLock {
            self.registry = registry
            self.listener = listener
            self.discovery = discovery
            tasks = runs.map { run in Task { await run() } }
        }
    }

    private static func targets(_ value: JSONValue?) throws(DriverProtocolError) -> [HostPort] {
        let texts: [String]
        switch value {
        case nil, .null: texts = []
        case .string(let one): texts = [one]
        case .array(let many):
            texts = try many.map { (item: JSONValue) throws(DriverProtocolError) -> String in
                guard let text = item.stringValue else { throw DriverProtocolError(.invalidParams, "connect entries must be strings") }
                return text
            }
        default: throw DriverProtocolError(.invalidParams, "connect must be a string or an array of strings")
        }
        do throws(HostPortError) {
            return try texts.map { (text: String) throws(HostPortError) -> HostPort in try HostPort(parsing: text) }
        } catch {
            throw DriverProtocolError(.invalidParams, "connect \(error)")
        }
    }

    private var currentRegistry: PeerRegistry? { lock.withLock { registry } }

    func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
        guard let registry = currentRegistry else { throw DriverProtocolError(.peerUnavailable, "no connected peer") }
        return try await registry.sendMessage(params)
    }

    func listPeers(context: DriverContext) async throws -> ListPeersResult {
        ListPeersResult(peers: currentRegistry?.list() ?? [])
    }

    func broadcastTx(_ params: BroadcastTxParams, context: DriverContext) async throws -> BroadcastTxResult {
        let bytes = try Hex.decode(params.tx, field: "tx")
        let tx: Transaction
        do { tx = try Transaction(bytes: bytes) } catch {
            throw DriverProtocolError(.invalidParams, "tx does not parse: \(error)")
        }
        guard let registry = currentRegistry else { return BroadcastTxResult(accepted: false, peers: 0, reason: "no connected peer") }
        let peers = registry.announce(tx, bytes: bytes)
        context.logger.info("announced tx \(tx.txid) to \(peers.count) peer(s)")
        return BroadcastTxResult(accepted: !peers.isEmpty, peers: peers.count, reason: peers.isEmpty ? "no connected peer" : nil, sentTo: peers)
    }

    func disconnectPeer(_ params: DisconnectPeerParams, context: DriverContext) async throws {
        guard currentRegistry?.disconnect(params.peer, reason: params.reason) == true else {
            throw DriverProtocolError(.peerUnavailable, "peer \(params.peer.prefix(80)) is not connected")
        }
        context.logger.warning("disconnecting \(params.peer.prefix(80)) at the core's request: \(params.reason.prefix(200))")
    }

    func stop(context: DriverContext) async {
        let (running, registry, listener, discovery, metricsServer) = lock.withLock {
            (tasks, self.registry, self.listener, self.discovery, self.metricsServer)
        }
        registry?.shutdown()
        try? await listener?.close()
        await metricsServer?.shutdown()
        for task in running { task.cancel() }
        // Written first: a connection attempt still in its connect timeout may outlast the grace.
        discovery?.book.flush(force: true)
        for task in running { await task.value }
        discovery?.book.flush(force: true)
        try? await group.shutdownGracefully()
    }
}
