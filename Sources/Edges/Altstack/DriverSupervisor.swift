import DriverProtocol
import Foundation
import Logging
import ServiceLifecycle

/// Runs one driver and keeps it running: start, handshake, heartbeat, restart with backoff,
/// park when it keeps failing. A swift-service-lifecycle `Service`: graceful shutdown sends the
/// driver `shutdown` and kills it if it does not exit within the grace period.
public final class DriverSupervisor: Service, Sendable {
    public let config: DriverConfig
    private let logger: Logger
    private let coreHandler: CoreRequestHandler
    private let onEvent: @Sendable (DriverEvent) -> Void
    private let random: @Sendable () -> Double
    private let stop = WaitSignal(.latching)
    /// Ends a backoff or a park early (``restart()``, or a stop).
    private let wake = WaitSignal(.resetting)
    private let restartRequested = LockedValue(false)
    private let status: LockedValue<Status>
    /// Queue depths and drops of this driver's messages.
    let traffic: DriverTraffic

    struct Status: Sendable {
        var state: DriverState = .starting
        var lastError: String?
        var session: DriverSession?
        var manifest: Manifest?
        var peers: [String: PeerInfo] = [:]
        var starts = 0
    }

    /// - Parameters:
    ///   - config: the driver.
    ///   - logger: the core's logger; the driver's stderr lines land here with its name.
    ///   - coreHandler: answers the driver's requests to the core.
    ///   - onEvent: receives state changes and the driver's notifications.
    ///   - random: a source in 0..<1 for backoff jitter.
    public init(
        config: DriverConfig, logger: Logger, coreHandler: @escaping CoreRequestHandler = noCoreRequests,
        onEvent: @escaping @Sendable (DriverEvent) -> Void = { _ in },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.config = config
        var logger = logger
        logger[metadataKey: "driver"] = "\(config.name)"
        self.logger = logger
        self.coreHandler = coreHandler
        self.onEvent = onEvent
        self.random = random
        self.status = LockedValue(Status())
        self.traffic = DriverTraffic(driver: config.name, limits: config.queue)
    }

    /// The registry's view of this driver.
    public var snapshot: DriverSnapshot {
        let s = status.value
        if let queued = s.session?.pipe.queued { traffic.stdout(lines: queued.lines, bytes: queued.bytes) }
        return DriverSnapshot(
            name: config.name, state: s.state, lastError: s.lastError, pid: s.session?.pipe.pid,
            manifest: s.manifest, peers: s.peers.values.sorted { $0.id < $1.id }, starts: s.starts,
            priority: config.priority, traffic: traffic.snapshot, framing: s.session?.framing)
    }

    /// Calls a method on the running driver.
    /// - Throws: ``DriverProtocolError``; `driverUnavailable` when it is not ready.
    public func call<P: Encodable & Sendable>(
        _ method: String, _ params: P, timeout: Duration? = nil
    ) async throws(DriverProtocolError) -> RPCFrame {
        let s = status.value
        guard s.state == .ready, let session = s.session else {
            throw DriverProtocolError(.driverUnavailable, "\(config.name) is \(s.state.rawValue)")
        }
        return try await session.call(method, params, timeout: timeout ?? config.timeouts.request)
    }

    /// Asks the supervisor to stop its driver and return from `run()`.
    public func requestStop() {
        stop.fire()
        wake.fire()
    }

    /// Restarts the driver now (`altnet-cli restartdriver NAME`): a running one is killed and
    /// started again at once, a parked or backing-off one is started without waiting; either
    /// begins with a clean failure count.
    /// - Returns: the state it was in.
    @discardableResult
    public func restart() -> DriverState {
        restartRequested.value = true
        let s = status.value
        logger.notice("restart requested while \(s.state.rawValue)")
        s.session?.pipe.kill()
        wake.fire()
        return s.state
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await supervise()
        } onGracefulShutdown: {
            self.requestStop()
        }
    }

    private func supervise() async {
        var earlyFailures = 0
        while !stop.isFired && !Task.isCancelled {
            setState(.starting, reason: nil)
            let readyAt = LockedValue<ContinuousClock.Instant?>(nil)
            let end: SessionEnd
            do {
                let launch = DriverLaunch(executable: config.executable, arguments: config.arguments, environment: config.environment)
                (end, _) = try await DriverProcess.run(launch, name: config.name, logger: logger,
                                                       queueBytes: config.queue.stdoutBytes) { pipe in
                    status.update { $0.starts += 1 }
                    return await session(pipe, readyAt: readyAt)
                }
            } catch {
                end = .handshakeFailed("could not start \(config.executable): \(error)")
            }
            status.update {
                $0.session = nil
                $0.peers = [:]
            }
            if stop.isFired || Task.isCancelled { break }
            if restartRequested.update({ r in defer { r = false }; return r }) {
                wake.reset()
                earlyFailures = 0
                logger.notice("restarting as requested (was: \(end.reason))")
                continue
            }
            let stable = readyAt.value.map { ContinuousClock.now - $0 >= config.restart.stableUptime } ?? false
            earlyFailures = stable ? 1 : earlyFailures + 1
            var decision = config.restart.decide(earlyFailures: earlyFailures, random: random())
            if case .incompatible = end { decision = .park }
            switch decision {
            case .park:
                let reason = if case .incompatible = end {
                    "parked: \(end.reason)"
                } else {
                    "parked after \(earlyFailures) failures in a row; last: \(end.reason)"
                }
                logger.error("\(reason); next try in \(config.restart.parkedRetry)")
                setState(.parked, reason: reason)
                _ = await wake.wait(upTo: config.restart.parkedRetry)
                if stop.isFired || Task.isCancelled { break }
                // One more try; failing early again parks it again at once (unless asked to restart).
                earlyFailures = restartRequested.update { r in defer { r = false }; return r } ? 0 : max(0, config.restart.parkAfter - 1)
                continue
            case .restart(let delay):
                logger.warning("driver \(end.reason); restarting in \(delay)")
                setState(.backoff, reason: end.reason)
                _ = await wake.wait(upTo: delay)
                if restartRequested.update({ r in defer { r = false }; return r }) { earlyFailures = 0 }
                continue
            }
            break
        }
        setState(.stopped, reason: status.value.lastError)
    }

    /// One process lifetime: handshake, then heartbeats until it dies, hangs, breaches or is stopped.
    private func session(_ pipe: DriverPipe, readyAt: LockedValue<ContinuousClock.Instant?>) async -> SessionEnd {
        let session = DriverSession(name: config.name, pipe: pipe, logger: logger, coreHandler: coreHandler) { [weak self] event in
            self?.record(event)
        }
        let end = await withTaskGroup(of: SessionEnd.self) { group in
            group.addTask { await session.readLoop() }
            group.addTask { await self.lifecycle(session, readyAt: readyAt) }
            var end = await group.next() ?? .exited
            if end == .stopRequested {
                group.addTask {
                    try? await Task.sleep(for: self.config.timeouts.shutdownGrace)
                    return .graceExpired
                }
                let after = await group.next() ?? .exited
                if after == .graceExpired { logger.warning("driver did not exit within the grace period; killing it") }
                end = .stopRequested
            }
            session.pending.close(DriverProtocolError(.driverUnavailable, "\(config.name) \(end.reason)"))
            pipe.kill()
            group.cancelAll()
            return end
        }
        return end
    }

    private func lifecycle(_ session: DriverSession, readyAt: LockedValue<ContinuousClock.Instant?>) async -> SessionEnd {
        let timeouts = config.timeouts
        do {
            let offered = ProtocolVersion.supported
            let framings = config.framings.contains(.binary) ? config.framings : nil
            let manifest = try await session.call(
                Methods.getManifest, GetManifestParams(protocolVersions: offered, framings: framings), timeout: timeouts.handshake
            ).result(as: Manifest.self)
            try manifest.validate(offered: offered)
            session.capabilities = manifest.capabilities
            status.update { $0.manifest = manifest }
            // Configuration text takes the types the manifest declares (a numeric rpcpassword stays a string).
            let options = DriverOptionTypes.apply(config.options, specs: manifest.options)
            // Binary when both sides have it; from the message after `init` on (docs/driver-protocol.md).
            let framing = DriverFraming.choose(offered: framings ?? [], declared: manifest.declaredFramings)
            let params = InitParams(
                network: config.network, chain: config.chain, options: options, dataDir: config.dataDir,
                framing: framing == .json ? nil : framing)
            _ = try await session.call(Methods.initialize, params, timeout: timeouts.handshake, switchingTo: framing)
            if let peers = try? await session.call(Methods.listPeers, EmptyObject(), timeout: timeouts.handshake).result(as: ListPeersResult.self) {
                status.update { s in for peer in peers.peers.prefix(DriverProtocolLimits.maxPeers) { s.peers[peer.id] = peer } }
            }
        } catch {
            logger.error("handshake failed: \(error)")
            if error.kind == .versionMismatch { return .incompatible(error.message) }
            return .handshakeFailed(error.description)
        }
        readyAt.value = .now
        status.update { $0.session = session }
        setState(.ready, reason: nil)
        while true {
            if await stop.wait(upTo: timeouts.heartbeatInterval) || Task.isCancelled {
                _ = try? await session.call(Methods.shutdown, EmptyObject(), timeout: timeouts.shutdownGrace)
                session.pipe.closeInput()
                return .stopRequested
            }
            do {
                _ = try await session.call(Methods.ping, EmptyObject(), timeout: timeouts.heartbeatTimeout)
            } catch {
                if error.kind == .timeout {
                    logger.error("heartbeat unanswered for \(timeouts.heartbeatTimeout); killing the driver")
                    return .hung("heartbeat unanswered for \(timeouts.heartbeatTimeout)")
                }
                if Task.isCancelled { return .exited }
                return .breach("heartbeat answered with \(error)")
            }
        }
    }

    private func record(_ event: DriverEvent) {
        switch event {
        case .messageReceived(_, _, let message):
            // Unsolicited replies and a full queue end here, counted (DriverQueueLimits).
            guard traffic.admit(message, from: status.value.manifest?.capabilities) else { return }
        case .peerConnected(_, let peer):
            status.update { s in
                if s.peers.count < DriverProtocolLimits.maxPeers { s.peers[peer.id] = peer }
            }
        case .peerDisconnected(_, let peer, _):
            status.update { _ = $0.peers.removeValue(forKey: peer) }
        default:
            break
        }
        onEvent(event)
    }

    private func setState(_ state: DriverState, reason: String?) {
        let changed = status.update { s -> Bool in
            defer {
                s.state = state
                if let reason { s.lastError = reason }
            }
            return s.state != state
        }
        if changed { onEvent(.stateChanged(driver: config.name, state: state, reason: reason)) }
    }
}
