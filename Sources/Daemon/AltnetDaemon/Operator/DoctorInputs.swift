import Altstack
import BitcoindRPC
import Foundation

/// Everything `doctor` judges, gathered first (``Doctor/collect``) so the judging is pure and
/// testable with made-up values.
struct DoctorInputs: Sendable {
    /// bitcoind's RPC address as configured (`HOST:PORT`).
    var rpcEndpoint: String
    /// What the cookie or user/password setting is, for the advice (`cookie /path` or `rpcuser alice`).
    var credentialsSource: String
    /// getnetworkinfo, or the error that stopped it.
    var network: Result<NetworkInfo, BitcoindRPCError>
    /// getblockchaininfo, when it answered.
    var chain: BlockchainInfo?
    /// getzmqnotifications, or the error (an old bitcoind, an rpcwhitelist).
    var zmqPublishers: Result<[ZMQNotificationInfo], BitcoindRPCError>?
    /// altnetd's `[bitcoind] zmqpub`, nil when unset.
    var zmqSubscribed: String?
    /// What altnetd's ZMQ subscriber received so far.
    var zmqActivity: ZMQActivity.Snapshot
    /// The Altstack's drivers.
    var drivers: [DriverSnapshot]
    /// Whether something answers on the RPC proxy's address (``Doctor/rpcProxyAddress``).
    var rpcProxyAnswers: Bool
    /// altnetd's data directory and the bytes free on its filesystem (nil when statvfs failed).
    var dataDir: String
    var diskFreeBytes: UInt64?
    /// Now, Unix seconds.
    var now: Double
}
