import DriverProtocol
import JSON

/// How to run one driver: its executable, what `init` tells it, and how it is supervised.
public struct DriverConfig: Sendable {
    /// Registry name (the `altnet.conf` section, e.g. `bip324`); also the log metadata value.
    public var name: String
    /// Path of the executable.
    public var executable: String
    /// Arguments. Never put secrets here: command lines are visible to every local user.
    public var arguments: [String]
    /// Extra environment variables. The child gets only these plus PATH, HOME, LANG and TZ
    /// from the core's environment.
    public var environment: [String: String]
    /// `init` params.
    public var network: String
    public var chain: ChainInfo
    public var options: [String: JSONValue]
    public var dataDir: String
    /// Routing preference: lower is tried first among eligible drivers.
    public var priority: Int
    public var timeouts: Timeouts
    public var restart: RestartPolicy
    /// How much of this driver's output the core holds before it pushes back or drops.
    public var queue: DriverQueueLimits
    /// The framings offered in `getmanifest` (binary is used when the manifest declares it too);
    /// `[.json]` keeps this driver on JSON lines.
    public var framings: [DriverFraming] = DriverFraming.allCases

    public init(
        name: String, executable: String, arguments: [String] = [], environment: [String: String] = [:],
        network: String = "regtest", chain: ChainInfo = .regtest, options: [String: JSONValue] = [:],
        dataDir: String, priority: Int = 0, timeouts: Timeouts = Timeouts(), restart: RestartPolicy = RestartPolicy(),
        queue: DriverQueueLimits = DriverQueueLimits()
    ) {
        self.name = name
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.network = network
        self.chain = chain
        self.options = options
        self.dataDir = dataDir
        self.priority = priority
        self.timeouts = timeouts
        self.restart = restart
        self.queue = queue
    }

    /// Deadlines for one driver.
    public struct Timeouts: Sendable {
        /// `getmanifest` and `init` each.
        public var handshake: Duration
        /// Default deadline of a request routed to this driver.
        public var request: Duration
        /// Time between heartbeats (`ping`).
        public var heartbeatInterval: Duration
        /// A heartbeat unanswered for this long means the driver is hung: it is killed.
        public var heartbeatTimeout: Duration
        /// After `shutdown`, how long the driver has to exit before it is killed.
        public var shutdownGrace: Duration

        public init(
            handshake: Duration = .seconds(10), request: Duration = .seconds(30),
            heartbeatInterval: Duration = .seconds(5), heartbeatTimeout: Duration = .seconds(10),
            shutdownGrace: Duration = .seconds(5)
        ) {
            self.handshake = handshake
            self.request = request
            self.heartbeatInterval = heartbeatInterval
            self.heartbeatTimeout = heartbeatTimeout
            self.shutdownGrace = shutdownGrace
        }
    }
}
