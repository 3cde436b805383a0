/// A `connect=HOST:PORT` value: IPv4 `1.2.3.4:8333`, IPv6 `[::1]:8333`, or a hostname.
public struct PeerTarget: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int

    /// - Throws: ``PeerViolation`` (used here as a plain config error) when the value has no port
    ///   or the port is out of range.
    public init(parsing text: String) throws(PeerViolation) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw PeerViolation("connect=\(text): IPv6 addresses are written [ADDR]:PORT")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw PeerViolation("connect=\(text): expected HOST:PORT")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (1...65535).contains(port) else {
            throw PeerViolation("connect=\(text): expected HOST:PORT with a port in 1...65535")
        }
        host = String(hostPart)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
