/// A host and a port as operators write them: `203.0.113.5:8333`, `[2001:db8::1]:8333` (IPv6 in
/// brackets, as Bitcoin Core writes it), `node.example:8333`, or a host alone where a default port
/// applies. The one `host:port` parser of the tree: every option, config key and RPC argument
/// that names an endpoint goes through it.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// The host without brackets: an IPv4 or IPv6 address or a name.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT`, or `HOST` / `[IPv6]` alone when `defaultPort` is given.
    /// An IPv6 address with a port must be in brackets (`2001:db8::1:8333` is ambiguous).
    /// - Parameters:
    ///   - text: the value.
    ///   - defaultPort: the port when the value has none, or nil when a port is required.
    ///   - ports: the ports accepted (`0...65535` for a listening address where 0 lets the OS pick).
    /// - Throws: ``HostPortError`` saying what is wrong.
    public init(parsing text: String, defaultPort: Int? = nil, ports: ClosedRange<Int> = 1...65535) throws(HostPortError) {
        let hostPart: Substring
        let portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw HostPortError(text, "an IPv6 address needs its closing ]") }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { throw HostPortError(text, "expected :PORT after ]") }
            portPart = rest.isEmpty ? nil : rest.dropFirst()
        } else if let colon = text.firstIndex(of: ":") {
            guard text.lastIndex(of: ":") == colon else {
                throw HostPortError(text, "an IPv6 address is written [ADDRESS]:PORT")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        } else {
            hostPart = Substring(text)
            portPart = nil
        }
        guard !hostPart.isEmpty else { throw HostPortError(text, "the host is empty") }
        let port: Int
        if let portPart {
            guard let given = Int(portPart) else { throw HostPortError(text, "the port is not a number") }
            port = given
        } else {
            guard let defaultPort else { throw HostPortError(text, "expected HOST:PORT") }
            port = defaultPort
        }
        guard ports.contains(port) else { throw HostPortError(text, "the port must be in \(ports.lowerBound)...\(ports.upperBound)") }
        self.host = String(hostPart)
        self.port = port
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Why a value is not a ``HostPort``; its description quotes the value.
public struct HostPortError: Error, Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String

    init(_ text: String, _ reason: String) {
        self.text = String(text.prefix(100))
        self.reason = reason
    }

    public var description: String { "\"\(text)\" is not HOST:PORT: \(reason)" }
}
