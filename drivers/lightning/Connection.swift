import BitcoinPrimitives
import BOLT8
import DriverKit
import DriverProtocol
import LightningAltnetMessages
import Logging
import NIOCore
import Secp256k1

/// Runs one TCP connection as a Lightning link: BOLT 8 handshake (static ECDH by the core),
/// BOLT 1 `init` (our chain in `networks`, feature bit 421), then the message loop. One writer task
/// encrypts the link's queue in order; the reader decrypts, answers pings, reassembles altnet
/// messages and hands them to waiting requests or to the core. A peer whose `init` lacks the
/// altnet bit stays as a plain Lightning peer: pings and pongs, no altnet messages either way.
///
/// ```
///  connected ─ acts 1-3 ─► handshaken ─ init both ways, same chain ─┬─ bit 421 ─► registered (altnet)
///      │                      │                                     └─ no bit ──► registered (plain)
///      └── bad act / timeout ─┴── wrong chain / error ──► closed ◄── even unknown type, fragment
///                                                                   violation, not reading, EOF
/// ```
struct Connection: Sendable {
    let nodeKey: CoreNodeKey
    let chainHash: [UInt8]
    let peers: PeerTable
    let context: DriverContext
    /// What one peer may make us hold while reassembling.
    let limits: AltnetReassemblyLimits
    /// What one peer may make us hold in its outbound queue (bytes of altnet messages).
    let queueLimit: Int

    /// From the end of the handshake to the peer's `init` (`init_timeout_ms`).
    var initTimeout: Duration = .seconds(30)
    /// Interval between our keep-alive pings (`ping_interval_ms`).
    var pingInterval: Duration = .seconds(30)
    /// How long our ping may stay unanswered (`pong_timeout_ms`).
    var pongTimeout: Duration = .seconds(30)

    /// BOLT 8 handshake deadline.
    static let handshakeTimeout: Duration = .seconds(30)
    /// How often the link's deadlines (init, pong, reassembly) are checked.
    static let tick: Duration = .milliseconds(250)
    /// Pings answered per second; more are ignored (a flood costs us no memory).
    static let pongsPerSecond = 10

    /// Runs the link until it ends.
    /// - Parameters:
    ///   - channel: the connected socket.
    ///   - role: initiator (we dialled a node id) or responder.
    ///   - direction: as reported to the core.
    /// - Returns: why it ended, for the log.
    ///   - onInit: called once the peer's `init` has arrived (its inbound slot is then proven).
    func run(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, role: Handshake.Role,
             direction: PeerInfo.Direction, onInit: @escaping @Sendable () -> Void = {}) async -> String {
        let address = channel.channel.remoteAddress.flatMap { remote in
            remote.ipAddress.map { "\($0):\(remote.port ?? 0)" }
        }
        let raw = channel.channel
        let deadline = Task {
            try await Task.sleep(for: Self.handshakeTimeout)
            raw.close(promise: nil)
        }
        do {
            try await channel.executeThenClose { inbound, outbound in
                var reader = inbound.makeAsyncIterator()
                let transport = try await handshake(role, reader: &reader, outbound: outbound)
                deadline.cancel()
                try await session(transport, reader: &reader, outbound: outbound, address: address, direction: direction, onInit: onInit) {
                    raw.close(promise: nil)
                }
            }
            return "closed"
        } catch {
            deadline.cancel()
            return "\(error)"
        }
    }

    private func handshake(
        _ role: Handshake.Role, reader: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws -> BOLT8Transport {
        var handshake = Handshake(role: role, localStatic: nodeKey.publicKey)
        var progress = try await handshake.drive(try handshake.start(), nodeKey: nodeKey)
        while true {
            if !progress.bytesToSend.isEmpty { try await outbound.write(ByteBuffer(bytes: progress.bytesToSend)) }
            if let transport = progress.transport { return transport }
            guard let chunk = try await reader.next() else {
                try handshake.endOfInput()
                throw LinkError.closedDuringHandshake
            }
            progress = try await handshake.drive(try handshake.receive(chunk.readableBytesView), nodeKey: nodeKey)
        }
    }

    private func session(
        _ transport: BOLT8Transport, reader: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, address: String?, direction: PeerInfo.Direction,
        onInit: @escaping @Sendable () -> Void, closeChannel: @escaping @Sendable () -> Void
    ) async throws {
        let peerID = Hex.encode(transport.remoteStatic.serialized(compressed: true))
        let logger = {
            var logger = context.logger
            logger[metadataKey: "peer"] = "\(peerID.prefix(16))"
            return logger
        }()
        let (queue, continuation) = AsyncStream<[UInt8]>.makeStream()
        let link = PeerLink(id: peerID, address: address, direction: direction, queueLimit: queueLimit,
                            outgoing: continuation)
        let ours = InitMessage(features: AltnetFeature.setting(AltnetFeature.optionalBit, in: []), networks: [chainHash])
        _ = link.sendRaw(try BOLT1Message.initMessage(ours).encoded())
        let reassembly = Reassembly(limits: limits)
        var state = ReadState(onInit: onInit)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                let sender = transport.sender
                group.addTask {
                    var sender = sender
                    for await message in queue {
                        var packet: [UInt8] = []
                        try sender.encrypt(message, appendingTo: &packet)
                        // Returns once NIO has taken the packet; NIO holds at most its
                        // high-water mark before this waits for the socket.
                        try await outbound.write(ByteBuffer(bytes: packet))
                        link.didWrite(message.count)
                    }
                    // The queue ends only when the link is closed (e.g. `disconnectpeer`): end the
                    // connection, so the reader sees it end too.
                    closeChannel()
                }
                let (initTimeout, pingInterval, pongTimeout) = (self.initTimeout, self.pingInterval, self.pongTimeout)
                group.addTask {
                    // Deadlines: init after the handshake, pong after our ping, reassembly; and
                    // keep-alive pings once the peer's init is in. A missed deadline closes the
                    // socket (the reader, blocked on it, then ends the link) and names itself.
                    let handshaken = ContinuousClock.now
                    var lastPing = handshaken
                    while !Task.isCancelled {
                        try await Task.sleep(for: Self.tick)
                        for dropped in reassembly.expire() { logger.warning("dropped: \(dropped)") }
                        let now = ContinuousClock.now
                        var missed: LinkError?
                        if !link.initReceived, now - handshaken >= initTimeout {
                            missed = .noInit(initTimeout)
                        } else if let sent = link.unansweredPingSince, now - sent >= pongTimeout {
                            missed = .pongTimeout(pongTimeout)
                        }
                        if let missed {
                            link.missed(missed)
                            closeChannel()
                            throw missed
                        }
                        if link.initReceived, link.unansweredPingSince == nil, now - lastPing >= pingInterval {
                            lastPing = now
                            guard link.sendRaw(try BOLT1Message.ping(Ping(numPongBytes: 4)).encoded()) else {
                                throw LinkError.notReading(link.queuedBytes)
                            }
                            link.pingSent(at: now)
                        }
                    }
                }
                var receiver = transport.receiver
                defer { group.cancelAll() }
                // The transport may already hold messages that came in the same read as the
                // last handshake act: drain before reading.
                while true {
                    while let message = try receiver.nextMessage() {
                        try handle(message, link: link, reassembly: reassembly, state: &state, logger: logger)
                    }
                    guard let chunk = try await reader.next() else { throw LinkError.closed }
                    receiver.feed(chunk.readableBytesView)
                }
            }
        } catch {
            let error: any Error = link.missedDeadline ?? error
            link.close()
            if state.registered {
                peers.remove(link)
                try? context.peerDisconnected(peerID, reason: "\(error)")
            }
            logger.info("link ended: \(error)")
            throw error
        }
    }

    /// The reader's state.
    struct ReadState {
        let onInit: @Sendable () -> Void
        var initReceived = false
        var registered = false
        var pongWindow = ContinuousClock.now
        var pongsInWindow = 0
        var floodLogged = false
    }

    private func handle(_ bytes: [UInt8], link: PeerLink, reassembly: Reassembly, state: inout ReadState,
                        logger: Logger) throws {
        let message: BOLT1Message
        do {
            message = try BOLT1Message.decode(
                bytes, understoodCustomTypes: [AltnetWire.messageType, AltnetWire.fragmentType])
        } catch {
            if case .unknownEvenType(let type) = error {
                throw LinkError.protocolViolation("unknown even message type \(type): closing (BOLT 1)")
            }
            throw LinkError.protocolViolation("malformed message: \(error)")
        }
        guard state.initReceived else {
            guard case .initMessage(let theirs) = message else { throw LinkError.firstMessageNotInit(message.type) }
            if let networks = theirs.networks, !networks.contains(chainHash) { throw LinkError.wrongChain }
            let altnet = AltnetFeature.isAdvertised(in: theirs.features) || AltnetFeature.isAdvertised(in: theirs.globalFeatures)
            if !altnet { link.markPlain() }
            state.initReceived = true
            link.markInitReceived()
            state.onInit()
            guard peers.add(link) else { throw LinkError.alreadyConnected }
            state.registered = true
            if altnet {
                logger.info("peer connected (\(link.direction.rawValue), \(link.address ?? "?"))")
            } else {
                logger.info("plain Lightning peer connected (\(link.direction.rawValue), \(link.address ?? "?")): no altnet feature bit, kept for ping/pong only")
            }
            try? context.peerConnected(link.info)
            return
        }
        switch message {
        case .initMessage:
            logger.debug("ignored a second init")
        case .ping(let ping):
            let now = ContinuousClock.now
            if now - state.pongWindow >= .seconds(1) {
                state.pongWindow = now
                state.pongsInWindow = 0
                state.floodLogged = false
            }
            guard state.pongsInWindow < Self.pongsPerSecond else {
                if !state.floodLogged {
                    logger.warning("ping flood: more than \(Self.pongsPerSecond) pings a second, ignoring the excess")
                    state.floodLogged = true
                }
                return
            }
            if let pong = ping.response {
                state.pongsInWindow += 1
                guard link.sendRaw(try BOLT1Message.pong(pong).encoded()) else {
                    throw LinkError.notReading(link.queuedBytes)
                }
            }
        case .pong:
            link.pongReceived()
        case .error(let error):
            throw LinkError.peerError(error.text)
        case .warning(let warning):
            logger.warning("peer warning: \(LogText.escaped(warning.text, limit: 200))")
        case .ignored(let type):
            logger.debug("ignored unknown odd message type \(type)")
        case .custom(let type, _) where !link.carriesAltnet:
            logger.debug("ignored altnet message type \(type) from a peer that did not advertise altnet")
        case .custom(let type, let payload):
            // Deadlines first, so a fragment arriving after its message's deadline is discarded
            // even when the timer has not run yet.
            for dropped in reassembly.expire() { logger.warning("dropped: \(dropped)") }
            let outcome: AltnetReassembler<ContinuousClock.Instant>.Outcome
            do {
                outcome = try reassembly.receive(type: type, payload: payload)
            } catch {
                if error.action == .disconnect { throw LinkError.protocolViolation("altnet: \(error)") }
                logger.warning("altnet message dropped: \(error)")
                return
            }
            guard case .complete(let altnet) = outcome else { return }
            if !link.deliver(altnet) {
                try? context.messageReceived(
                    from: link.id, DriverP2PMessage(command: altnet.command, payload: Hex.encode(altnet.payload)))
            }
        }
    }
}
