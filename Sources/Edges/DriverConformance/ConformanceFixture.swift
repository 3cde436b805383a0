import Altstack
import DriverProtocol
import JSON

/// What the suite sets up around a driver that needs more than a bare core to pass
/// `headers-exchange`: options for `init`, a core that answers the driver's requests (e.g. a
/// throwaway node key answering `signer.ecdh`), and a peer to exchange headers with.
///
/// `altnet-harness check-driver` builds one from the driver's manifest (a Lightning driver gets
/// a second instance of itself as its peer); the suite itself stays transport-agnostic.
public struct ConformanceFixture: Sendable {
    /// Options added to `init`.
    public var initOptions: [String: JSONValue]
    /// Answers the driver's requests to the core.
    public var coreHandler: CoreRequestHandler
    /// How long `headers-exchange` waits for the driver to report a peer (`peerconnected`)
    /// before sending its `getheaders`; nil to send at once.
    public var peerTimeout: Duration?
    /// One line for the report, e.g. what the peer is.
    public var summary: String
    /// Ends whatever the fixture started; called once, after the checks.
    public var tearDown: @Sendable () async -> Void

    public init(
        initOptions: [String: JSONValue], coreHandler: @escaping CoreRequestHandler, peerTimeout: Duration? = nil,
        summary: String, tearDown: @escaping @Sendable () async -> Void = {}
    ) {
        self.initOptions = initOptions
        self.coreHandler = coreHandler
        self.peerTimeout = peerTimeout
        self.summary = summary
        self.tearDown = tearDown
    }
}

/// Builds the fixture for a driver from its manifest, or nil when the driver needs none.
/// - Throws: when the fixture cannot be set up; the suite reports it in `init`.
public typealias ConformanceFixtureProvider = @Sendable (Manifest) async throws -> ConformanceFixture?
