import BitcoinPrimitives

/// How a client told the proxy where to go.
public enum ProxyRouteMethod: String, Sendable, CaseIterable {
    /// SOCKS5 CONNECT (RFC 1928).
    case socks5
    /// The static map: the local port it connected to stands for one remote peer.
    case map
    /// The `addr_recv` of its version message.
    case addrRecv = "addr_recv"
}

/// The first phase of a proxied connection, sans I/O: tells a SOCKS5 client from a v1 client by
/// the first byte (0x05 against the network magic's first byte: no network's magic starts with
/// 0x05), then learns the destination by SOCKS5, the static map or `addr_recv`.
///
/// ```
///  sniff ──0x05──► SOCKS5 negotiation ──CONNECT──► route(socks5)   (v1 bytes follow the reply)
///    │   ──magic──► mapped port? ──yes──────────► route(map)
///    │                            ──no──► wait for the whole version ──► route(addr_recv)
///    └── anything else ──► refuse ("neither SOCKS5 nor the network magic")
/// ```
public struct ProxyGreeting: Sendable {
    public enum Step: Equatable, Sendable {
        /// Send `reply` to the client (may be empty) and wait for more bytes.
        case needMore(reply: [UInt8])
        /// Connect to `destination`. `reply` goes to the client now; `clientBytes` are the v1
        /// bytes received so far, to translate once the remote connection is up. For SOCKS5 the
        /// caller sends ``SOCKS5Server/reply(_:)`` after the attempt.
        case route(ProxyDestination, method: ProxyRouteMethod, reply: [UInt8], clientBytes: [UInt8])
        /// Send `reply` (may be empty) and close; `reason` goes to the log.
        case refuse(reason: String, reply: [UInt8])
    }

    private enum Phase: Sendable { case sniff, socks5(SOCKS5Server), v1, done }

    public let magic: NetworkMagic
    /// The destination of the local port the client connected to, when it is mapped.
    public let mapped: ProxyDestination?
    private var phase = Phase.sniff
    private var buffer: [UInt8] = []

    /// - Parameters:
    ///   - magic: the network's message start (what a v1 client opens with).
    ///   - mapped: the `--map` destination of this listening port, if any.
    /// SOCKS5 credentials required on this port; with them, v1 routing by `addr_recv` is off
    /// too (it would bypass them).
    public let credentials: SOCKS5Credentials?

    ///   - credentials: the username and password SOCKS5 clients must present (nil: any).
    public init(magic: NetworkMagic, mapped: ProxyDestination?, credentials: SOCKS5Credentials? = nil) {
        self.magic = magic
        self.mapped = mapped
        self.credentials = credentials
    }

    /// Feeds the client's bytes.
    /// - Returns: what to do next. After `.route` or `.refuse` the greeting is over.
    public mutating func receive(_ bytes: [UInt8]) -> Step {
        switch phase {
        case .done:
            return .refuse(reason: "greeting already finished", reply: [])
        case .socks5(var server):
            let step = server.receive(bytes)
            phase = .socks5(server)
            return socksStep(step)
        case .v1:
            buffer += bytes
            return v1Step()
        case .sniff:
            buffer += bytes
            guard let first = buffer.first else { return .needMore(reply: []) }
            if first == SOCKS5Server.version {
                var server = SOCKS5Server(credentials: credentials)
                let step = server.receive(buffer)
                buffer = []
                phase = .socks5(server)
                return socksStep(step)
            }
            let want = magic.wireBytes
            let n = min(buffer.count, want.count)
            guard buffer[..<n].elementsEqual(want[..<n]) else {
                phase = .done
                let shown = Hex.encode(Array(buffer.prefix(8)))
                return .refuse(
                    reason: "first bytes \(shown) are neither SOCKS5 (05) nor the network magic \(magic): closed", reply: [])
            }
            guard n == want.count else { return .needMore(reply: []) }
            phase = .v1
            return v1Step()
        }
    }

    private mutating func v1Step() -> Step {
        if let mapped {
            phase = .done
            defer { buffer = [] }
            return .route(mapped, method: .map, reply: [], clientBytes: buffer)
        }
        guard credentials == nil else {
            phase = .done
            return .refuse(reason: "v1 routing by addr_recv is off while SOCKS5 requires credentials", reply: [])
        }
        switch VersionAddrRecv.destination(in: buffer, magic: magic) {
        case .needMore:
            return .needMore(reply: [])
        case .refuse(let reason):
            phase = .done
            return .refuse(reason: reason, reply: [])
        case .destination(let destination):
            phase = .done
            defer { buffer = [] }
            return .route(destination, method: .addrRecv, reply: [], clientBytes: buffer)
        }
    }

    private mutating func socksStep(_ step: SOCKS5Server.Step) -> Step {
        switch step {
        case .needMore(let reply):
            return .needMore(reply: reply)
        case .refuse(let reason, let reply):
            phase = .done
            return .refuse(reason: reason, reply: reply)
        case .connect(let destination, let reply, let leftover):
            phase = .done
            return .route(destination, method: .socks5, reply: reply, clientBytes: leftover)
        }
    }
}
