import BIP324DriverCore
import BIP324ProxyCore
import BitcoinPrimitives
import Logging
import NIOCore
import NIOPosix

/// The proxy's listeners: the shared port (SOCKS5 and v1 clients, routed by SOCKS5 or by
/// `addr_recv`) and one port per `--map` entry, all feeding ``ProxyClientHandler``s.
struct ProxyServer {
    /// A `--map LOCAL=REMOTE` entry.
    struct Mapping: Sendable {
        let local: HostPort
        let remote: ProxyDestination
    }

    let listen: HostPort?
    let mappings: [Mapping]
    let settings: ProxySettings

    /// Binds every listener.
    /// - Returns: the listening channels (close them to stop).
    /// - Throws: when an address cannot be bound (the ones already bound are closed).
    func start(group: any EventLoopGroup) async throws -> [any Channel] {
        var channels: [any Channel] = []
        do {
            if let listen {
                channels.append(try await bind(listen, mapped: nil, group: group))
                settings.logger.info("proxy: listening on \(listen) for SOCKS5 and v1 clients (\(settings.magic))")
            }
            for mapping in mappings {
                channels.append(try await bind(mapping.local, mapped: mapping.remote, group: group))
                settings.logger.info("proxy: listening on \(mapping.local) for v1 clients of \(mapping.remote)")
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return channels
    }

    private func bind(_ target: HostPort, mapped: ProxyDestination?, group: any EventLoopGroup) async throws -> any Channel {
        let settings = self.settings
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.recvAllocator, value: ProxySettings.receiveAllocator)
            .childChannelOption(.writeBufferWaterMark, value: ProxySettings.waterMark)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProxyClientHandler(settings: settings, mapped: mapped))
                }
            }
            .bind(host: target.host, port: target.port)
            .get()
    }
}

extension ProxyDestination {
    /// A `--map` remote (`HOST:PORT`): IP literals and names are passed to the resolver as is.
    init(_ target: HostPort) {
        self.init(host: .domain(target.host), port: target.port)
    }
}
