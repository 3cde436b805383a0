import AddressManager
import BIP324DriverCore
import BitcoinPrimitives
import DriverKit
import DriverProtocol
import Foundation
import Logging
import NIOCore

/// Everything a driver start needs to build connections (shared by `connect`, `addnode`,
/// discovery's dials and seed fetches).
struct ConnectionKit: Sendable {
    let networkMagic: [UInt8]
    let group: any EventLoopGroup
    let registry: PeerRegistry
    let logger: Logger
    let timeouts: PeerTimeouts
    let limits: PeerLimits
    let v1Fallback: Bool

    func connector(_ target: HostPort, gossip: PeerGossip?, proxy: HostPort?) -> PeerConnector {
        var c = PeerConnector(
            target: target, networkMagic: networkMagic, group: group, registry: registry, logger: logger, timeouts: timeouts,
            limits: limits, v1Fallback: v1Fallback)
        c.gossip = gossip
        c.proxy = proxy
        return c
    }
}

extension BIP324Driver {
    /// Discovery's tasks (issue #19): the outbound manager and one connector per `addnode`.
    /// - Parameters:
    ///   - options: the parsed options (`connect` empty).
    ///   - network: the chain.
    ///   - dataDir: where `addrman.dat` lives.
    ///   - kit: connection settings.
    /// - Returns: the discovery (for the listener and `listpeers`) and the tasks to run.
    static func startDiscovery(
        _ options: DiscoveryOptions, network: Network, dataDir: String, kit: ConnectionKit
    ) -> (Discovery, [@Sendable () async -> Void]) {
        var config = AddressManagerConfig()
        config.loopbackGroups = options.testLoopbackGroups
        let directory = dataDir.isEmpty ? nil : URL(fileURLWithPath: dataDir)
        if let directory { try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        let book = AddressBook(directory: directory, config: config, logger: kit.logger)
        let discovery = Discovery(options: options, book: book, logger: kit.logger, v1Fallback: kit.v1Fallback)
        let proxyFor: @Sendable (PeerAddress?) -> HostPort? = { address in
            address?.network == .torV3 ? (options.onion ?? options.proxy) : options.proxy
        }
        let dial: @Sendable (PeerAddress, AddressOrigin) async -> Void = { address, origin in
            let target = HostPort(host: address.host, port: Int(address.port))
            let gossip = discovery.gossip(for: address, direction: .outbound, origin: origin, managed: true)
            await kit.connector(target, gossip: gossip, proxy: proxyFor(address)).runOnce()
        }
        let lookup = DNSLookup(server: options.resolver)
        let seed: @Sendable (String) async -> [PeerAddress] = { name in
            if let proxy = options.proxy {
                return await fetchSeedThroughProxy(name, proxy: proxy, options: options, kit: kit)
            }
            do { return try await lookup.addresses(of: name, port: options.seedPort) } catch {
                kit.logger.warning("dns seed \(name): \(error)")
                return []
            }
        }
        let manager = OutboundManager(discovery: discovery, dial: dial, seed: seed, network: network)
        var tasks: [@Sendable () async -> Void] = [{ await manager.run() }]
        for node in options.addnode {
            let address = PeerAddress(node)
            let gossip = discovery.gossip(for: address, direction: .outbound, origin: .manual)
            let connector = kit.connector(node, gossip: gossip, proxy: proxyFor(address))
            tasks.append { await connector.run() }
        }
        return (discovery, tasks)
    }

    /// Core's seed lookup behind a proxy: a one-shot connection to `SEED:seedport` by name
    /// through SOCKS5 that completes the handshake, sends `getaddr`, keeps the `addr`/`addrv2`
    /// answer and disconnects; never a clear DNS query. Gives up after 30 s.
    static func fetchSeedThroughProxy(_ name: String, proxy: HostPort, options: DiscoveryOptions, kit: ConnectionKit) async -> [PeerAddress] {
        let collected = SeedAnswer()
        let target = HostPort(host: name, port: Int(options.seedPort))
        let gossip = PeerGossip(
            address: nil, network: nil, group: nil, source: .dns,
            ready: { _, _, _ in [("getaddr", [])] },
            addresses: { entries in collected.add(entries.map(\.address)) },
            getaddr: { [] }, misbehaved: { _ in }, closed: {})
        let connector = kit.connector(target, gossip: gossip, proxy: proxy)
        let task = Task { await connector.runOnce() }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, collected.isEmpty, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
        }
        task.cancel()
        await task.value
        return collected.addresses
    }
}

/// Addresses a seed connection answered with.
final class SeedAnswer: @unchecked Sendable {
    // @unchecked: `list` is guarded by `lock`.
    private let lock = NSLock()
    private var list: [PeerAddress] = []
    func add(_ more: [PeerAddress]) { lock.withLock { list += more.prefix(max(0, 1000 - list.count)) } }
    var isEmpty: Bool { lock.withLock { list.isEmpty } }
    var addresses: [PeerAddress] { lock.withLock { list } }
}
