import BIP324
import BIP324DriverCore
import BIP324ProxyCore
import BitcoinPrimitives
import DriverKit
import Foundation
import Logging
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Settings shared by every proxied connection.
struct ProxySettings: Sendable {
    let magic: NetworkMagic
    let v1Fallback: Bool
    let connectTimeout: TimeAmount
    let logger: Logger
    let metrics: BIP324ProxyMetrics
    /// From accept to a routed greeting (`--greeting-timeout-ms`).
    var greetingTimeout: TimeAmount = .seconds(10)
    /// Client connections open at once (`--max-connections`).
    var connections = InboundSlots(limit: 128)
    /// What SOCKS5 clients of the shared port must present (required beyond loopback).
    var credentials: SOCKS5Credentials?

    /// Reads of up to 1 MiB: a block arrives in a few reads, not sixteen.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 16 << 10, maximum: 1 << 20)
    /// Stop reading one side while more than 4 MiB wait for the other; resume under 1 MiB.
    static let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 1 << 20, high: 4 << 20)
}

/// One client connection, from its first byte to its close: the thin NIO adapter around
/// ``ProxyGreeting`` (where to go) and ``ProxyTranslator`` (v1 <-> v2). The remote connection
/// runs on the same event loop; reading stops on one side while the other cannot take more
/// (backpressure through `autoRead`).
final class ProxyClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let settings: ProxySettings
    private var greeting: ProxyGreeting?
    private var translator: ProxyTranslator?
    private var route: (destination: ProxyDestination, method: ProxyRouteMethod)?
    /// Client bytes that arrived while the remote connection was being opened.
    private var pending: [UInt8] = []
    private var context: ChannelHandlerContext?
    private var remote: (any Channel)?
    private var client = "client"
    private var fellBack = false
    private var countedConnection: Bool?
    private var closed = false
    private var slot: InboundSlots.Ticket?
    private var greetingTimer: Scheduled<Void>?
    /// Outgoing buffers, one per side, reused: once NIO has written one out it is ours alone
    /// again and `clear()` keeps its storage (no fresh megabyte, no page faults per message).
    private var toClientBuffer = ByteBuffer()
    private var toRemoteBuffer = ByteBuffer()
    /// Largest outgoing buffer kept between writes.
    private static let keptBufferCapacity = 1 << 23

    /// - Parameters:
    ///   - settings: network, fallback policy, logger and metrics.
    ///   - mapped: the destination of the local port this client came in on, if mapped.
    init(settings: ProxySettings, mapped: ProxyDestination?) {
        self.settings = settings
        self.greeting = ProxyGreeting(magic: settings.magic, mapped: mapped, credentials: mapped == nil ? settings.credentials : nil)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress, let ip = address.ipAddress {
            client = ip.contains(":") ? "[\(ip)]:\(address.port ?? 0)" : "\(ip):\(address.port ?? 0)"
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let evict: @Sendable () -> Void = {
            loop.execute { bound.value.close("--max-connections reached: evicted for a client from another address before its greeting", stage: "evicted") }
        }
        switch settings.connections.admit(address: context.channel.remoteAddress?.ipAddress ?? "?", evict: evict) {
        case .admitted(let ticket):
            slot = ticket
        case .admittedByEvicting(let ticket, let evicted):
            slot = ticket
            settings.logger.warning("proxy: \(settings.connections.limit) client connections open (--max-connections): closed the oldest from \(evicted) without a greeting, for \(client)")
        case .full:
            close("\(settings.connections.limit) client connections already open (--max-connections)", stage: "accept")
            return
        }
        let timeout = settings.greetingTimeout
        greetingTimer = context.eventLoop.scheduleTask(in: timeout) {
            guard bound.value.greeting != nil else { return }
            bound.value.close("no complete greeting within \(timeout.nanoseconds / 1_000_000) ms (--greeting-timeout-ms)", stage: "greeting")
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !closed, buffer.readableBytes > 0 else { return }
        settings.metrics.clientIn.increment(by: Int64(buffer.readableBytes))
        if greeting == nil, translator != nil, remote != nil {
            // The bulk path: frames are checked and sealed where NIO read them.
            buffer.withUnsafeReadableBytes { translateFromClient($0) }
            return
        }
        guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
        if greeting != nil {
            greet(bytes, context: context)
        } else {
            pending += bytes
            if pending.count > ProxyTranslator.maxReplay { close("client sent more than \(ProxyTranslator.maxReplay) bytes before the remote connection was up", stage: "stream") }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { setAutoRead(remote, true) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closed {
            closed = true
            settings.logger.info("proxy: \(client) closed its connection\(route.map { " to \($0.destination)" } ?? "")")
        }
        remote?.close(promise: nil)
        self.context = nil
        greetingTimer?.cancel()
        if let slot {
            self.slot = nil
            settings.connections.release(slot)
        }
        finishCounting()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close("client socket error: \(error)", stage: "stream")
    }

    // MARK: Greeting

    private func greet(_ bytes: [UInt8], context: ChannelHandlerContext) {
        guard var greeting else { return }
        let step = greeting.receive(bytes)
        self.greeting = greeting
        switch step {
        case .needMore(let reply):
            writeToClient(reply)
        case .refuse(let reason, let reply):
            writeToClient(reply)
            close(reason, stage: "greeting")
        case .route(let destination, let method, let reply, let clientBytes):
            self.greeting = nil
            greetingTimer?.cancel()
            if let slot { settings.connections.proven(slot) }
            writeToClient(reply)
            route = (destination, method)
            pending = clientBytes
            settings.metrics.routed(method)
            settings.logger.info("proxy: \(client) -> \(destination) (by \(method.rawValue))")
            setAutoRead(context.channel, false)
            connect(v1: false)
        }
    }

    // MARK: Remote connection

    private func connect(v1: Bool) {
        guard let context, let route else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(settings.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: ProxySettings.receiveAllocator)
            .channelOption(.writeBufferWaterMark, value: ProxySettings.waterMark)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ProxyRemoteHandler(owner: bound))
                }
            }
            .connect(host: route.destination.host.connectHost, port: route.destination.port)
            .whenComplete { result in
                switch result {
                case .success(let channel): bound.value.remoteConnected(channel, v1: v1)
                case .failure(let error): bound.value.remoteFailed(error)
                }
            }
    }

    private func remoteConnected(_ channel: any Channel, v1: Bool) {
        guard !closed, let context else {
            channel.close(promise: nil)
            return
        }
        remote = channel
        do {
            translator = v1
                ? ProxyTranslator(v1Magic: settings.magic)
                : ProxyTranslator(magic: settings.magic, remote: try BIP324Transport(role: .initiator, networkMagic: settings.magic.wireBytes))
        } catch {
            close("cannot start BIP324: \(error)", stage: "connect")
            return
        }
        if v1 { countConnection(v2: false) }
        if route?.method == .socks5, !fellBack { writeToClient(SOCKS5Server.reply(.succeeded)) }
        let replay = pending
        pending = []
        if !replay.isEmpty || translator?.isV2 == true { replay.withUnsafeBytes { translateFromClient($0) } }
        setAutoRead(context.channel, true)
        context.read()
    }

    private func remoteFailed(_ error: any Error) {
        guard !closed else { return }
        if route?.method == .socks5, !fellBack { writeToClient(SOCKS5Server.reply(Self.replyCode(for: error))) }
        close("cannot connect to \(route.map { "\($0.destination)" } ?? "?"): \(error)", stage: "connect")
    }

    /// Maps a connect error onto RFC 1928's reply codes.
    static func replyCode(for error: any Error) -> SOCKS5ReplyCode {
        if let error = error as? NIOConnectionError {
            // No address to try: the name did not resolve.
            guard let first = error.connectionErrors.first else { return .hostUnreachable }
            return replyCode(for: first.error)
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .connectionRefused
            case ENETUNREACH: return .networkUnreachable
            case EHOSTUNREACH: return .hostUnreachable
            case ETIMEDOUT: return .ttlExpired
            default: return .generalFailure
            }
        }
        if case ChannelError.connectTimeout = error { return .ttlExpired }
        return .generalFailure
    }

    /// Bytes from the remote (called by ``ProxyRemoteHandler`` on this loop).
    func remoteRead(_ bytes: UnsafeRawBufferPointer) {
        guard !closed, translator != nil else { return }
        settings.metrics.remoteIn.increment(by: Int64(bytes.count))
        let spokeBefore = translator?.remoteSpoke ?? true
        do throws(ProxyError) {
            let traffic = try translator?.fromRemote(bytes) ?? []
            settings.metrics.record(traffic)
        } catch {
            close("\(route.map { "\($0.destination)" } ?? "remote"): \(error)", stage: "stream")
            return
        }
        if !spokeBefore, translator?.isV2 == true { countConnection(v2: true) }
        flushToRemote()
        guard let context, let count = translator?.pendingClientByteCount, count > 0 else { return }
        Self.refill(&toClientBuffer, capacity: count)
        translator?.withBytesForClient { toClientBuffer.writeBytes($0) }
        settings.metrics.clientOut.increment(by: Int64(count))
        context.writeAndFlush(wrapOutboundOut(toClientBuffer), promise: nil)
        if !context.channel.isWritable { setAutoRead(remote, false) }
    }

    /// Readies a reused outgoing buffer for `capacity` bytes: cleared in place when NIO is done
    /// with it (else `clear()` gives it fresh storage), replaced when a huge message grew it.
    private static func refill(_ buffer: inout ByteBuffer, capacity: Int) {
        if buffer.capacity > keptBufferCapacity { buffer = ByteBuffer() }
        buffer.clear(minimumCapacity: capacity)
    }

    /// The remote closed (called by ``ProxyRemoteHandler``): fall back to v1 when the remote
    /// dropped our v2 key without a byte and `--v1-fallback` allows it, else close the client.
    func remoteClosed() {
        guard !closed else { return }
        remote = nil
        if settings.v1Fallback, !fellBack, let translator, translator.isV2, !translator.remoteSpoke,
            let replay = translator.replayableClientBytes {
            fellBack = true
            settings.metrics.v1Fallbacks.increment()
            settings.logger.warning(
                "proxy: \(route.map { "\($0.destination)" } ?? "remote") closed the v2 handshake without a byte: not a v2 peer; falling back to v1 (PLAINTEXT) as --v1-fallback allows")
            self.translator = nil
            pending = replay
            if let context { setAutoRead(context.channel, false) }
            connect(v1: true)
            return
        }
        close("\(route.map { "\($0.destination)" } ?? "remote") closed the connection", stage: nil)
    }

    /// The remote can take more: read from the client again.
    func remoteWritable() {
        if let context { setAutoRead(context.channel, true) }
    }

    // MARK: Plumbing

    private func translateFromClient(_ bytes: UnsafeRawBufferPointer) {
        do throws(ProxyError) {
            let traffic = try translator?.fromClient(bytes) ?? []
            settings.metrics.record(traffic)
        } catch {
            close("\(client): \(error)", stage: "stream")
            return
        }
        flushToRemote()
    }

    private func flushToRemote() {
        guard let remote else { return }
        var wrote = 0
        translator?.withBytesForRemote { pending in
            wrote = pending.count
            Self.refill(&toRemoteBuffer, capacity: pending.count)
            toRemoteBuffer.writeBytes(pending)
        }
        guard wrote > 0 else { return }
        settings.metrics.remoteOut.increment(by: Int64(wrote))
        remote.writeAndFlush(toRemoteBuffer, promise: nil)
        if !remote.isWritable, let context { setAutoRead(context.channel, false) }
    }

    private func writeToClient(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, let context else { return }
        settings.metrics.clientOut.increment(by: Int64(bytes.count))
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private func setAutoRead(_ channel: (any Channel)?, _ on: Bool) {
        guard let channel else { return }
        _ = channel.setOption(.autoRead, value: on)
    }

    private func countConnection(v2: Bool) {
        guard countedConnection == nil else { return }
        countedConnection = v2
        settings.metrics.connected(v2: v2)
        settings.logger.info("proxy: \(client) <-> \(route.map { "\($0.destination)" } ?? "?"): \(v2 ? "encrypted (BIP324 v2)" : "PLAINTEXT v1 (--v1-fallback)")")
    }

    private func finishCounting() {
        if let v2 = countedConnection { settings.metrics.disconnected(v2: v2) }
        countedConnection = nil
    }

    /// Closes both sides, logging why.
    private func close(_ reason: String, stage: String?) {
        guard !closed else { return }
        closed = true
        if let stage {
            settings.metrics.refused(stage: stage)
            settings.logger.warning("proxy: \(client) closed: \(reason)")
        } else {
            settings.logger.info("proxy: \(client) closed: \(reason)")
        }
        remote?.close(promise: nil)
        // Closed once what was written (a SOCKS5 error reply) has gone out: writes complete in order.
        if let channel = context?.channel {
            channel.writeAndFlush(channel.allocator.buffer(capacity: 0)).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
