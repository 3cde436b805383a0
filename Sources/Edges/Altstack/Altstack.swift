import DriverProtocol
import Logging
import ServiceLifecycle

/// The registry of running drivers and the router in front of them (seed 001's CAltstack).
///
/// Build it with the driver configs, add it (or its ``supervisors``) to a `ServiceGroup`, then
/// route requests with ``anycast(_:_:as:requirement:n:timeout:accept:)`` and
/// ``broadcast(_:_:as:requirement:timeout:)``, read ``snapshot()``, and consume ``events``.
public final class Altstack: Service, Sendable {
    /// One supervisor per configured driver, in configuration order.
    public let supervisors: [DriverSupervisor]
    /// Driver events (state changes, peers, received messages). One consumer. Received messages
    /// are bounded per driver (``DriverQueueLimits``): beyond the bound they are dropped and counted.
    public let events: DriverEvents
    let logger: Logger
    private let eventSink: AsyncStream<DriverEvent>.Continuation

    /// - Parameters:
    ///   - drivers: the drivers to run; names must be unique.
    ///   - logger: the core's logger.
    ///   - coreHandler: answers driver-to-core requests (e.g. `signer.ecdh`).
    public init(drivers: [DriverConfig], logger: Logger = Logger(label: "altnet.altstack"), coreHandler: @escaping CoreRequestHandler = noCoreRequests) {
        let (events, sink) = AsyncStream<DriverEvent>.makeStream()
        self.eventSink = sink
        self.logger = logger
        var seen = Set<String>()
        let supervisors = drivers.filter { seen.insert($0.name).inserted }.map { config in
            DriverSupervisor(config: config, logger: logger, coreHandler: coreHandler) { event in sink.yield(event) }
        }
        self.supervisors = supervisors
        self.events = DriverEvents(stream: events, traffic: Dictionary(uniqueKeysWithValues: supervisors.map { ($0.config.name, $0.traffic) }))
    }

    /// Runs every supervisor until graceful shutdown.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for supervisor in supervisors {
                group.addTask { try? await supervisor.run() }
            }
        }
        eventSink.finish()
    }

    /// Stops every driver (as a graceful shutdown would).
    public func stop() {
        for supervisor in supervisors { supervisor.requestStop() }
    }

    /// The registry: every driver with its state, peers and capabilities.
    public func snapshot() -> [DriverSnapshot] { supervisors.map(\.snapshot) }

    /// A supervisor by name.
    public func supervisor(named name: String) -> DriverSupervisor? {
        supervisors.first { $0.config.name == name }
    }

    /// Waits until `count` drivers are ready or the deadline passes.
    /// - Returns: true when they are.
    public func waitUntilReady(count: Int? = nil, timeout: Duration = .seconds(10)) async -> Bool {
        let needed = count ?? supervisors.count
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if snapshot().filter({ $0.state == .ready }).count >= needed { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
