import ArgumentParser
import DriverKit
import DriverProtocol
import EsploraDriverCore
import JSON

/// `altnet-driver-esplora`: altnetd starts it and speaks the driver protocol
/// (docs/driver-protocol.md) on its standard input and output; the Esplora base URLs, the proxy
/// and the timeouts come in `init` options (docs/driver-esplora.md).
@main
struct EsploraDriverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "altnet-driver-esplora",
        abstract: "altnet driver: headers, blocks and transactions through the Esplora HTTP API (mempool.space, blockstream.info).",
        discussion: """
            Speaks the altnet driver protocol on stdin/stdout; logs go to stderr. init options: url (one or more \
            base URLs, repeatable or comma-separated), proxy (SOCKS5 HOST:PORT, for Tor), timeout (seconds per \
            request), retries, network. See docs/driver-esplora.md.
            """)

    @Option(help: "An Esplora base URL (repeatable); used when init carries no url option.")
    var url: [String] = []

    @Option(help: "SOCKS5 proxy HOST:PORT; used when init carries no proxy option.")
    var proxy: String?

    @Option(help: "Seconds per HTTP request; used when init carries no timeout option.")
    var timeout: Int?

    func run() async throws {
        // Command-line values are defaults under init's options (altnet-harness check-driver
        // passes them this way, as it gives a driver no options of its own).
        var defaults: [String: JSONValue] = [:]
        if !url.isEmpty { defaults["url"] = .array(url.map { .string($0) }) }
        if let proxy { defaults["proxy"] = .string(proxy) }
        if let timeout { defaults["timeout"] = .int(Int64(timeout)) }
        await DriverRunner.main(EsploraDriver(defaults: defaults) { options in HTTPClientTransport(options) })
    }
}
