import DriverProtocol
import Foundation
import JSON

/// The driver's `init` options, as its manifest declares them (docs/driver-esplora.md).
public struct EsploraOptions: Sendable, Equatable {
    /// Base URLs, each a source (a "peer" in the driver protocol), e.g. `https://mempool.space/api`.
    public var urls: [String]
    /// A SOCKS5 proxy (Tor) every request goes through.
    public var proxy: SOCKSProxy?
    /// How long one HTTP exchange may take, body included.
    public var timeout: Duration
    /// How many times a failed GET is asked again (with backoff) before the source is given up on for that request.
    public var retries: Int
    /// The network the URLs serve; init fails when altnetd runs another.
    public var network: String
    /// How often each source's tip height is read (nil: never after the first reading).
    public var poll: Duration?

    /// A SOCKS5 proxy address.
    public struct SOCKSProxy: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "socks5://[\(host)]:\(port)" : "socks5://\(host):\(port)" }
    }

    /// Most base URLs one driver compares.
    public static let maxURLs = 16
    /// Longest base URL accepted.
    public static let maxURLLength = 512

    /// The options the manifest declares.
    public static let specs: [OptionSpec] = [
        OptionSpec(name: "url", type: .strings,
                   description: "Esplora API base URLs (e.g. https://mempool.space/api), each a source compared with the others; a value may hold several, comma-separated"),
        OptionSpec(name: "proxy", type: .string,
                   description: "SOCKS5 proxy for every request, HOST:PORT or socks5://HOST:PORT (Tor: 127.0.0.1:9050)"),
        OptionSpec(name: "timeout", type: .int,
                   description: "seconds one HTTP request may take, body included", defaultValue: .int(20)),
        OptionSpec(name: "retries", type: .int,
                   description: "times a failed GET is retried, with backoff, within the request's deadline", defaultValue: .int(2)),
        OptionSpec(name: "poll", type: .int,
                   description: "seconds between readings of each source's tip height, announced as its start_height (0: only at init)",
                   defaultValue: .int(30)),
        OptionSpec(name: "network", type: .string,
                   description: "the network the URLs serve (main, testnet3, testnet4, signet, regtest); default: altnetd's"),
    ]

    /// Reads the options of an `init`.
    /// - Parameters:
    ///   - options: the option values by name.
    ///   - network: the `init` network.
    /// - Throws: ``DriverProtocolError`` (invalidParams) naming the offending option.
    public init(_ options: [String: JSONValue], network initNetwork: String) throws(DriverProtocolError) {
        var urls: [String] = []
        let values: [JSONValue]
        switch options["url"] {
        case nil, .null?: values = []
        case .string(let s)?: values = [.string(s)]
        case .array(let list)?: values = list
        default: throw DriverProtocolError(.invalidParams, "option url must be a string or a list of strings")
        }
        for value in values {
            guard case .string(let text) = value else { throw DriverProtocolError(.invalidParams, "option url must hold strings") }
            for part in text.split(separator: ",") {
                let url = try Self.baseURL(String(part))
                if !urls.contains(url) { urls.append(url) }
            }
        }
        guard !urls.isEmpty else { throw DriverProtocolError(.invalidParams, "option url is required: at least one Esplora base URL") }
        guard urls.count <= Self.maxURLs else { throw DriverProtocolError(.invalidParams, "option url: at most \(Self.maxURLs) base URLs") }
        self.urls = urls

        switch options["proxy"] {
        case nil, .null?: proxy = nil
        case .string(let text)?: proxy = try Self.socksProxy(text)
        default: throw DriverProtocolError(.invalidParams, "option proxy must be a string")
        }
        timeout = .seconds(try Self.integer(options["timeout"], name: "timeout", default: 20, range: 1...600))
        retries = Int(try Self.integer(options["retries"], name: "retries", default: 2, range: 0...10))
        let pollSeconds = try Self.integer(options["poll"], name: "poll", default: 30, range: 0...86_400)
        poll = pollSeconds == 0 ? nil : .seconds(pollSeconds)
        switch options["network"] {
        case nil, .null?: network = initNetwork
        case .string(let n)?: network = n
        default: throw DriverProtocolError(.invalidParams, "option network must be a string")
        }
        guard network == initNetwork else {
            throw DriverProtocolError(.invalidParams, "option network is \(LogText.escaped(network, limit: 20)) but altnetd runs \(initNetwork)")
        }
    }

    /// An integer option (a whole JSON number, or a string of digits from a config file).
    static func integer(_ value: JSONValue?, name: String, default def: Int64, range: ClosedRange<Int64>) throws(DriverProtocolError) -> Int64 {
        let n: Int64?
        switch value {
        case nil, .null?: n = def
        case .int(let i)?: n = i
        case .double(let d)? where d.rounded() == d && abs(d) < 1e9: n = Int64(d)
        case .string(let s)?: n = Int64(s)
        default: n = nil
        }
        guard let n, range.contains(n) else {
            throw DriverProtocolError(.invalidParams, "option \(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return n
    }

    /// A base URL: http or https, a host, no query or fragment; a trailing slash is dropped.
    static func baseURL(_ raw: String) throws(DriverProtocolError) -> String {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let shown = LogText.escaped(text, limit: 80)
        guard text.utf8.count <= maxURLLength, text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }),
              let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = parts.host, !host.isEmpty,
              parts.query == nil, parts.fragment == nil, parts.user == nil
        else {
            throw DriverProtocolError(.invalidParams, "option url: \"\(shown)\" is not an http(s) base URL")
        }
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// HOST:PORT or socks5://HOST:PORT (socks5h:// too: names are always resolved by the proxy's side here).
    static func socksProxy(_ raw: String) throws(DriverProtocolError) -> SOCKSProxy {
        let text = raw.contains("://") ? raw : "socks5://" + raw
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
              scheme == "socks5" || scheme == "socks5h", let host = parts.host, !host.isEmpty,
              let port = parts.port, (1...65535).contains(port), parts.path.isEmpty || parts.path == "/"
        else {
            throw DriverProtocolError(.invalidParams, "option proxy must be HOST:PORT or socks5://HOST:PORT, got \"\(LogText.escaped(raw, limit: 80))\"")
        }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        return SOCKSProxy(host: bare, port: port)
    }
}
