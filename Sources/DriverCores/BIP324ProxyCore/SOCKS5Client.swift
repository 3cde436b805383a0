/// The client side of a SOCKS5 CONNECT (RFC 1928, no authentication), sans I/O: what the BIP324
/// driver says to `proxy=`/`onion=` (Tor) before its peer session starts. Destinations go by
/// name when they are names (`.onion`, a DNS seed's hostname), so the proxy resolves them, as
/// Tor needs and as bitcoind does with `-proxy`. The server side is ``SOCKS5Server``.
///
/// ```
///  greeting() ──[5, 0]──► request sent ──[5, 0, 0, ATYP, BND.ADDR, BND.PORT]──► connected
///       any other answer, or more than 262 bytes buffered ──► failed
/// ```
public struct SOCKS5Client: Sendable {
    /// Where a ``receive(_:)`` left the negotiation.
    public enum Step: Equatable, Sendable {
        /// Send `send` (possibly empty) and wait for more bytes.
        case needMore(send: [UInt8])
        /// The tunnel is open; `leftover` is the first bytes of the destination's stream.
        case connected(leftover: [UInt8])
        /// The proxy refused or broke the protocol.
        case failed(String)
    }

    private enum Phase { case method, reply, done }
    private var phase = Phase.method
    private var buffer: [UInt8] = []
    public let destination: ProxyDestination

    public init(destination: ProxyDestination) { self.destination = destination }

    /// VER 5, one method: 0 (no authentication).
    public func greeting() -> [UInt8] { [SOCKS5Server.version, 1, 0] }

    /// The CONNECT request: VER CMD=1 RSV ATYP DST.ADDR DST.PORT.
    public func request() -> [UInt8] {
        var out: [UInt8] = [SOCKS5Server.version, 1, 0]
        switch destination.host {
        case .ipv4(let b): out += [1] + b
        case .ipv6(let b): out += [4] + b
        case .domain(let name):
            let bytes = Array(name.utf8.prefix(255))
            out += [3, UInt8(bytes.count)] + bytes
        }
        out += [UInt8(destination.port >> 8 & 0xff), UInt8(destination.port & 0xff)]
        return out
    }

    /// Feeds bytes from the proxy.
    public mutating func receive(_ bytes: [UInt8]) -> Step {
        guard buffer.count + bytes.count <= 4 + 256 + 2 + 65_536 else { phase = .done; return .failed("SOCKS5 proxy sent too much") }
        buffer += bytes
        switch phase {
        case .done:
            return .failed("SOCKS5 negotiation already finished")
        case .method:
            guard buffer.count >= 2 else { return .needMore(send: []) }
            guard buffer[0] == SOCKS5Server.version, buffer[1] == 0 else {
                phase = .done
                return .failed("SOCKS5 proxy answered the greeting with \(buffer[0]) \(buffer[1]) (wants authentication, or not SOCKS5)")
            }
            buffer.removeFirst(2)
            phase = .reply
            // A proxy answers the request only after it has it: anything buffered waits for it.
            return .needMore(send: request())
        case .reply:
            return parseReply()
        }
    }

    private mutating func parseReply() -> Step {
        guard buffer.count >= 5 else { return .needMore(send: []) }
        guard buffer[0] == SOCKS5Server.version else { phase = .done; return .failed("SOCKS5 reply version \(buffer[0])") }
        guard buffer[1] == 0 else {
            phase = .done
            let code = SOCKS5ReplyCode(rawValue: buffer[1]).map { "\($0)" } ?? "\(buffer[1])"
            return .failed("SOCKS5 proxy refused \(destination): \(code)")
        }
        let addressLength: Int
        switch buffer[3] {
        case 1: addressLength = 4
        case 4: addressLength = 16
        case 3: addressLength = 1 + Int(buffer[4])
        default: phase = .done; return .failed("SOCKS5 reply address type \(buffer[3])")
        }
        let total = 4 + addressLength + 2
        guard buffer.count >= total else { return .needMore(send: []) }
        phase = .done
        let leftover = Array(buffer[total...])
        buffer = []
        return .connected(leftover: leftover)
    }
}
