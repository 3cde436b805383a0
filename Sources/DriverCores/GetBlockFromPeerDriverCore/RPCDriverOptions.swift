import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import Foundation
import JSON

/// The driver's `init` options, as declared in its manifest.
public struct RPCDriverOptions: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var credentials: RPCCredentials
    public var peerTimeout: Duration

    /// The options the manifest declares.
    public static let specs: [OptionSpec] = [
        OptionSpec(name: "rpcconnect", type: .string,
                   description: "bitcoind's RPC address, HOST:PORT (default 127.0.0.1 and the network's RPC port)"),
        OptionSpec(name: "rpccookiefile", type: .string,
                   description: "bitcoind's cookie file (default ~/.bitcoin[/NETWORK]/.cookie); used unless rpcuser is set"),
        OptionSpec(name: "rpcuser", type: .string, description: "bitcoind's -rpcuser (with rpcpassword)"),
        OptionSpec(name: "rpcpassword", type: .string, description: "bitcoind's -rpcpassword (with rpcuser)"),
        OptionSpec(name: "peer_timeout_ms", type: .int,
                   description: "how long one bitcoind peer gets to deliver a block before the next is asked",
                   defaultValue: .int(5000)),
    ]

    /// bitcoind's default RPC port per network (chainparamsbase.cpp).
    public static func defaultPort(network: String) -> Int {
        switch network {
        case "testnet3": 18332
        case "testnet4": 48332
        case "signet": 38332
        case "regtest": 18443
        default: 8332
        }
    }

    /// bitcoind's network subdirectory of its data directory.
    static func subdirectory(network: String) -> String {
        switch network {
        case "main": ""
        case "testnet3": "testnet3/"
        default: network + "/"
        }
    }

    /// Reads the options of an `init`.
    /// - Parameters:
    ///   - options: the option values by name.
    ///   - network: the `init` network.
    ///   - home: the home directory for the default cookie path.
    /// - Throws: ``DriverProtocolError`` (invalidParams) with the offending option named.
    public init(_ options: [String: JSONValue], network: String, home: String = NSHomeDirectory()) throws(DriverProtocolError) {
        func string(_ name: String) throws(DriverProtocolError) -> String? {
            switch options[name] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw DriverProtocolError(.invalidParams, "option \(name) must be a string")
            }
        }
        host = "127.0.0.1"
        port = Self.defaultPort(network: network)
        if let connect = try string("rpcconnect") {
            do throws(HostPortError) {
                let parsed = try HostPort(parsing: connect, defaultPort: port)
                host = parsed.host
                port = parsed.port
            } catch {
                throw DriverProtocolError(.invalidParams, "option rpcconnect must be HOST or HOST:PORT: \(error)")
            }
        }
        let user = try string("rpcuser")
        let password = try string("rpcpassword")
        switch (user, password) {
        case (let u?, let p?): credentials = .userPassword(user: u, password: p)
        case (nil, nil):
            let cookie = try string("rpccookiefile") ?? home + "/.bitcoin/" + Self.subdirectory(network: network) + ".cookie"
            credentials = .cookieFile(cookie)
        default:
            throw DriverProtocolError(.invalidParams, "options rpcuser and rpcpassword go together")
        }
        switch options["peer_timeout_ms"] {
        case nil, .null?: peerTimeout = .seconds(5)
        case .int(let ms)? where ms > 0 && ms <= 600_000: peerTimeout = .milliseconds(ms)
        default: throw DriverProtocolError(.invalidParams, "option peer_timeout_ms must be an integer in 1...600000")
        }
    }
}
