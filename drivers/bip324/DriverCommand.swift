import ArgumentParser
import BIP324DriverCore
import BitcoinPrimitives
import DriverKit
import DriverProtocol
import JSON

/// The executable. Driver mode is the default subcommand, so `altnet-driver-bip324` with no
/// arguments (or only driver flags) is the driver started by altnetd or
/// `altnet-harness check-driver`; `altnet-driver-bip324 proxy ...` is the v1-to-v2 proxy.
/// (Two subcommands rather than flags on one root: both have a `--listen`.)
@main
struct DriverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-driver-bip324",
        abstract: "altnet driver: Bitcoin P2P over BIP324 v2 encrypted transport; also a v1-to-v2 proxy.",
        subcommands: [DriverMode.self, ProxyCommand.self],
        defaultSubcommand: DriverMode.self)
}

/// Driver mode: speaks the driver protocol on stdin/stdout; options come from `init`.
struct DriverMode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "driver",
        abstract: "Driver mode (the default): Bitcoin P2P over BIP324 v2 encrypted transport.",
        discussion: """
            Speaks the altnet driver protocol (newline-delimited JSON-RPC) on standard input and \
            output and logs to standard error. Peers come from init options: connect=HOST:PORT \
            (repeatable), listen=HOST:PORT, handshaketimeoutms, pingintervalms, pingtimeoutms, maxinbound, \
            outboundqueuebytes, and discovery (addnode, dnsseed, seeds, seedport, resolver, fixedseeds, fixedseedsdelay, \
            maxoutbound, externalip, proxy, onion, onlynet, addrrelayms, bantime, testloopbackgroups, datadir; \
            docs/driver-bip324.md). The flags below give the same \
            settings on the command line; init options add to and override them.
            """)

    @Option(name: .customLong("connect"), help: "Peer to keep a v2 connection to, HOST:PORT (IPv4, [IPv6] or hostname); repeatable.")
    var connect: [String] = []

    @Option(name: .customLong("listen"), help: "Accept inbound v2 peers on HOST:PORT.")
    var listen: String?

    @Option(name: .customLong("handshake-timeout-ms"), help: "Time from TCP connect to verack.")
    var handshakeTimeoutMs: Int?

    @Option(name: .customLong("ping-interval-ms"), help: "Time between keepalive pings.")
    var pingIntervalMs: Int?

    @Option(name: .customLong("ping-timeout-ms"), help: "How long a ping may stay unanswered.")
    var pingTimeoutMs: Int?

    @Option(name: .customLong("max-inbound"), help: "Inbound connections open at once (default 32); more are closed at accept.")
    var maxInbound: Int?

    @Option(name: .customLong("outbound-queue-bytes"), help: "Bytes written to one peer and not yet sent (default 8388608); a peer past it is disconnected.")
    var outboundQueueBytes: Int?

    @OptionGroup(title: "Discovery (issue #19)")
    var discovery: DiscoveryFlags

    @Flag(name: .customLong("v1-fallback"), help: "Retry a peer that is not v2 in plaintext v1 (the manifest then declares encrypted=false).")
    var v1Fallback = false

    func validate() throws {
        for value in connect {
            do throws(HostPortError) { _ = try HostPort(parsing: value) } catch { throw ValidationError("--connect \(error)") }
        }
        if let listen {
            do throws(HostPortError) { _ = try HostPort(parsing: listen) } catch { throw ValidationError("--listen \(error)") }
        }
        if let handshakeTimeoutMs, handshakeTimeoutMs <= 0 { throw ValidationError("--handshake-timeout-ms must be positive") }
        if let pingIntervalMs, pingIntervalMs <= 0 { throw ValidationError("--ping-interval-ms must be positive") }
        if let pingTimeoutMs, pingTimeoutMs <= 0 { throw ValidationError("--ping-timeout-ms must be positive") }
        if let maxInbound, !(0...100_000).contains(maxInbound) { throw ValidationError("--max-inbound must be from 0 to 100000") }
        if let outboundQueueBytes, !PeerLimits.outboundQueueRange.contains(outboundQueueBytes) {
            throw ValidationError("--outbound-queue-bytes must be from 4100000 to 1073741824")
        }
    }

    func run() async throws {
        var defaults = discovery.options
        if !connect.isEmpty { defaults["connect"] = .array(connect.map { .string($0) }) }
        if let listen { defaults["listen"] = .string(listen) }
        if v1Fallback { defaults["v1fallback"] = .bool(true) }
        if let handshakeTimeoutMs { defaults["handshaketimeoutms"] = .int(Int64(handshakeTimeoutMs)) }
        if let pingIntervalMs { defaults["pingintervalms"] = .int(Int64(pingIntervalMs)) }
        if let pingTimeoutMs { defaults["pingtimeoutms"] = .int(Int64(pingTimeoutMs)) }
        if let maxInbound { defaults["maxinbound"] = .int(Int64(maxInbound)) }
        if let outboundQueueBytes { defaults["outboundqueuebytes"] = .int(Int64(outboundQueueBytes)) }
        await DriverRunner.main(BIP324Driver(defaults: defaults))
    }
}
