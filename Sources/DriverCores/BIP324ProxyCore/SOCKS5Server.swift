import BIP324DriverCore
import Foundation

/// Where a SOCKS5 client asked to go (RFC 1928 section 5: ATYP 1, 3 or 4).
public enum ProxyHost: Hashable, Sendable, CustomStringConvertible {
    /// Four bytes, network order.
    case ipv4([UInt8])
    /// Sixteen bytes, network order.
    case ipv6([UInt8])
    /// A name the proxy resolves (bitcoind sends hostnames this way with `-proxy=`).
    case domain(String)

    /// The host as `connect(host:port:)` takes it: dotted IPv4, RFC 5952-style IPv6 without
    /// brackets, or the name.
    public var connectHost: String {
        switch self {
        case .ipv4(let b): return b.map(String.init).joined(separator: ".")
        case .ipv6(let b): return Self.ipv6Text(b)
        case .domain(let name): return name
        }
    }

    public var description: String {
        connectHost.contains(":") ? "[\(connectHost)]" : connectHost
    }

    /// Hex groups joined by colons, the longest run of two or more zero groups written `::`.
    static func ipv6Text(_ b: [UInt8]) -> String {
        guard b.count == 16 else { return "?" }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]) }
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            guard groups[i] == 0 else { i += 1; continue }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > best.length { best = (i, j - i) }
            i = j
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}

/// A destination: host and TCP port.
public struct ProxyDestination: Hashable, Sendable, CustomStringConvertible {
    public var host: ProxyHost
    public var port: Int

    public init(host: ProxyHost, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { "\(host):\(port)" }
}

/// SOCKS5 reply codes (RFC 1928 section 6).
public enum SOCKS5ReplyCode: UInt8, Sendable {
    case succeeded = 0x00
    case generalFailure = 0x01
    case notAllowed = 0x02
    case networkUnreachable = 0x03
    case hostUnreachable = 0x04
    case connectionRefused = 0x05
    case ttlExpired = 0x06
    case commandNotSupported = 0x07
    case addressTypeNotSupported = 0x08
}

/// The server side of a SOCKS5 negotiation, sans I/O (RFC 1928, with RFC 1929's
/// username/password sub-negotiation): feed it the client's bytes, send what it returns.
///
/// ```
///  method selection ──0x00 offered──────────────► request ──CONNECT, ATYP 1/3/4──► connect(dest)
///        │          ──only 0x02 offered──► user/pass (any accepted) ──┘   │
///        │ no acceptable method: [5, 0xFF]                                │ other command or ATYP:
///        ▼                                                                ▼ error reply
///     refused ◄───────────────────────────────────────────────────────────┘
/// ```
///
/// Only CONNECT is served. Without ``SOCKS5Credentials`` (a loopback listener), credentials are
/// accepted whatever they are: bitcoind sends random ones (`-proxyrandomize`) for Tor stream
/// isolation, not for access control. With them (required beyond loopback, `--allow-remote`),
/// only username/password is offered and a client must present exactly those (RFC 1929 status
/// 1 otherwise), so the proxy is no open relay.
public struct SOCKS5Server: Sendable {
    /// What the caller does after feeding bytes.
    public enum Step: Equatable, Sendable {
        /// Send `reply` (possibly empty) and wait for more bytes.
        case needMore(reply: [UInt8])
        /// Open a connection to the destination, then send ``SOCKS5Server/reply(_:)`` with the
        /// outcome; `leftover` are bytes the client sent after its request (its first payload).
        case connect(ProxyDestination, reply: [UInt8], leftover: [UInt8])
        /// Send `reply` (possibly empty), then close: `reason` says why, for the log.
        case refuse(reason: String, reply: [UInt8])
    }

    private enum Phase: Sendable { case methods, userPass, request, done }

    public static let version: UInt8 = 5
    /// Longest SOCKS5 message we buffer (a request with a 255-byte domain is 262 bytes).
    static let maxBuffered = 1024

    private var phase = Phase.methods
    private var buffer: [UInt8] = []
    /// The only username and password accepted; nil accepts any (and no authentication).
    private let credentials: SOCKS5Credentials?

    /// - Parameter credentials: required username and password; nil for none.
    public init(credentials: SOCKS5Credentials? = nil) { self.credentials = credentials }

    /// The reply to send once the connection attempt is over (bound address 0.0.0.0:0: clients
    /// read and skip it).
    public static func reply(_ code: SOCKS5ReplyCode) -> [UInt8] {
        [version, code.rawValue, 0, 1, 0, 0, 0, 0, 0, 0]
    }

    /// Feeds bytes from the client.
    /// - Returns: what to do next; after `.connect` or `.refuse` further bytes are not for us.
    public mutating func receive(_ bytes: [UInt8]) -> Step {
        buffer += bytes
        var replies: [UInt8] = []
        while true {
            switch phase {
            case .done:
                return .refuse(reason: "SOCKS5 negotiation already finished", reply: [])
            case .methods:
                guard buffer.count >= 2 else { return waitOrRefuse(replies) }
                guard buffer[0] == Self.version else {
                    return refuse("SOCKS version \(buffer[0]), expected 5", replies)
                }
                let count = Int(buffer[1])
                guard buffer.count >= 2 + count else { return waitOrRefuse(replies) }
                let methods = buffer[2..<2 + count]
                buffer.removeFirst(2 + count)
                if credentials != nil {
                    guard methods.contains(0x02) else {
                        return refuse("SOCKS5 client does not offer username/password, which this proxy requires",
                                      replies + [Self.version, 0xFF])
                    }
                    replies += [Self.version, 0x02]
                    phase = .userPass
                } else if methods.contains(0x00) {
                    replies += [Self.version, 0x00]
                    phase = .request
                } else if methods.contains(0x02) {
                    replies += [Self.version, 0x02]
                    phase = .userPass
                } else {
                    return refuse("SOCKS5 client offers no acceptable method (no-auth or username/password)",
                                  replies + [Self.version, 0xFF])
                }
            case .userPass:
                // RFC 1929: VER=1, ULEN, UNAME, PLEN, PASSWD.
                guard buffer.count >= 2 else { return waitOrRefuse(replies) }
                guard buffer[0] == 1 else { return refuse("SOCKS5 username/password version \(buffer[0]), expected 1", replies + [1, 1]) }
                let userLength = Int(buffer[1])
                guard buffer.count >= 2 + userLength + 1 else { return waitOrRefuse(replies) }
                let passwordLength = Int(buffer[2 + userLength])
                let total = 3 + userLength + passwordLength
                guard buffer.count >= total else { return waitOrRefuse(replies) }
                if let credentials {
                    let user = Array(buffer[2..<2 + userLength])
                    let password = Array(buffer[(3 + userLength)..<total])
                    guard credentials.matches(user: user, password: password) else {
                        return refuse("SOCKS5 username/password rejected", replies + [1, 1])
                    }
                }
                buffer.removeFirst(total)
                replies += [1, 0]
                phase = .request
            case .request:
                return parseRequest(replies)
            }
        }
    }

    private mutating func parseRequest(_ replies: [UInt8]) -> Step {
        // VER CMD RSV ATYP DST.ADDR DST.PORT
        guard buffer.count >= 5 else { return waitOrRefuse(replies) }
        guard buffer[0] == Self.version else {
            return refuse("SOCKS5 request version \(buffer[0]), expected 5", replies + Self.reply(.generalFailure))
        }
        let addressLength: Int
        switch buffer[3] {
        case 1: addressLength = 4
        case 4: addressLength = 16
        case 3: addressLength = 1 + Int(buffer[4])
        default:
            return refuse("SOCKS5 address type \(buffer[3]) not supported", replies + Self.reply(.addressTypeNotSupported))
        }
        guard buffer[1] == 1 else {
            return refuse("SOCKS5 command \(buffer[1]) not supported (only CONNECT)", replies + Self.reply(.commandNotSupported))
        }
        let total = 4 + addressLength + 2
        guard buffer.count >= total else { return waitOrRefuse(replies) }
        let address = Array(buffer[4..<4 + addressLength])
        let port = Int(buffer[total - 2]) << 8 | Int(buffer[total - 1])
        let host: ProxyHost
        switch buffer[3] {
        case 1: host = .ipv4(address)
        case 4: host = .ipv6(address)
        default:
            let name = address.dropFirst()
            guard !name.isEmpty, name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return refuse("SOCKS5 domain name is empty or not printable ASCII", replies + Self.reply(.hostUnreachable))
            }
            host = .domain(String(decoding: name, as: UTF8.self))
        }
        guard port != 0 else { return refuse("SOCKS5 request for port 0", replies + Self.reply(.hostUnreachable)) }
        let leftover = Array(buffer[total...])
        buffer = []
        phase = .done
        return .connect(ProxyDestination(host: host, port: port), reply: replies, leftover: leftover)
    }

    private mutating func waitOrRefuse(_ replies: [UInt8]) -> Step {
        if buffer.count > Self.maxBuffered {
            return refuse("SOCKS5 message longer than \(Self.maxBuffered) bytes", replies)
        }
        return .needMore(reply: replies)
    }

    private mutating func refuse(_ reason: String, _ reply: [UInt8]) -> Step {
        phase = .done
        buffer = []
        return .refuse(reason: reason, reply: reply)
    }
}

/// The username and password a SOCKS5 client must present (RFC 1929).
public struct SOCKS5Credentials: Sendable, Equatable {
    public let user: [UInt8]
    public let password: [UInt8]

    /// - Throws: ``PeerViolation`` when either is empty or longer than RFC 1929's 255 bytes.
    public init(user: String, password: String) throws(PeerViolation) {
        self.user = Array(user.utf8)
        self.password = Array(password.utf8)
        guard (1...255).contains(self.user.count), (1...255).contains(self.password.count) else {
            throw PeerViolation("SOCKS5 username and password must each be 1 to 255 bytes")
        }
    }

    /// Reads `USER:PASSWORD` from the first line of a file (kept out of argv).
    /// - Throws: ``PeerViolation`` when the file cannot be read or has no colon.
    public init(file path: String) throws(PeerViolation) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PeerViolation("cannot read the SOCKS5 credentials file \(path)")
        }
        let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard let colon = line.firstIndex(of: ":") else {
            throw PeerViolation("the SOCKS5 credentials file \(path) must hold USER:PASSWORD")
        }
        try self.init(user: String(line[..<colon]), password: String(line[line.index(after: colon)...]))
    }

    /// Compares in time independent of where the bytes differ.
    func matches(user: [UInt8], password: [UInt8]) -> Bool {
        // Both compared, whatever the first says.
        let userMatches = Self.equal(user, self.user)
        let passwordMatches = Self.equal(password, self.password)
        return userMatches && passwordMatches
    }

    private static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
