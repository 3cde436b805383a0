import ArgumentParser
import DriverKit
import DriverProtocol
import JSON

/// `altnet-driver-lightning`: a Lightning peer (BOLT 8 over TCP) carrying altnet custom messages.
///
/// altnetd starts it and speaks the driver protocol on its stdin/stdout. Its configuration
/// (`node_id`, `listen`, `connect`) comes in `init` options; the node's private key never does:
/// every static-key ECDH is asked of the core with `signer.ecdh`.
@main
struct LightningDriverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-driver-lightning",
        abstract: "altnet driver: a BOLT 8 Lightning peer carrying Bitcoin P2P messages as custom messages.",
        discussion: """
            Run by altnetd, which speaks the driver protocol (docs/driver-protocol.md) on standard \
            input and output. Options arrive in init: node_id (the node's public key, hex), \
            listen (HOST:PORT), connect (NODEID@HOST:PORT, repeatable). The node key stays with \
            the core: the driver asks it for each ECDH (signer.ecdh). The flags below give the \
            peer deadlines and caps on the command line; init options override them.
            """)

    @Option(name: .customLong("init-timeout-ms"), help: "Close a peer that sends no init this long after the BOLT 8 handshake (default 30000).")
    var initTimeoutMs: Int?

    @Option(name: .customLong("ping-interval-ms"), help: "Time between keep-alive pings (default 30000).")
    var pingIntervalMs: Int?

    @Option(name: .customLong("pong-timeout-ms"), help: "Close a peer that leaves our ping unanswered this long (default 30000).")
    var pongTimeoutMs: Int?

    @Option(name: .customLong("max-inbound"), help: "Inbound connections open at once, handshakes included (default 64).")
    var maxInbound: Int?

    func validate() throws {
        for (flag, value) in [("--init-timeout-ms", initTimeoutMs), ("--ping-interval-ms", pingIntervalMs), ("--pong-timeout-ms", pongTimeoutMs)] {
            if let value, !(100...3_600_000).contains(value) { throw ValidationError("\(flag) must be from 100 to 3600000") }
        }
        if let maxInbound, !(0...100_000).contains(maxInbound) { throw ValidationError("--max-inbound must be from 0 to 100000") }
    }

    func run() async throws {
        var defaults: [String: JSONValue] = [:]
        if let initTimeoutMs { defaults["init_timeout_ms"] = .int(Int64(initTimeoutMs)) }
        if let pingIntervalMs { defaults["ping_interval_ms"] = .int(Int64(pingIntervalMs)) }
        if let pongTimeoutMs { defaults["pong_timeout_ms"] = .int(Int64(pongTimeoutMs)) }
        if let maxInbound { defaults["max_inbound"] = .int(Int64(maxInbound)) }
        await DriverRunner.main(LightningDriver(defaults: defaults))
    }
}
