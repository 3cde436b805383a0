import BitcoinPrimitives

/// Reads the destination out of a v1 client's first message: the `addr_recv` field of its
/// `version` (the method of the original BIP324 proxy).
///
/// Limits, which is why SOCKS5 and `--map` exist beside it:
/// - The client must put the real destination there. Bitcoin Core writes it only for a routable
///   address it did not reach through a proxy and zeros otherwise, so a bitcoind dialling the
///   proxy on loopback cannot be routed this way; nor can software behind NAT.
/// - The field is a 16-byte IPv6 address (IPv4 as IPv4-mapped `::ffff:a.b.c.d`): no hostnames,
///   no Tor or I2P addresses.
/// - The client must have dialled the proxy itself (for example `-connect=127.0.0.1:1324` with
///   the peer's address nowhere else), so the address it writes is usually the proxy's, not the
///   peer's: only clients that let you choose both (test frameworks, scripts) fit this method.
/// - Nothing can be sent to the destination before the whole version message has arrived.
public enum VersionAddrRecv {
    /// Largest version message read for routing (Core's is about 120 bytes; the user agent is at
    /// most 256).
    public static let maxVersionPayload = 1024

    public enum Outcome: Equatable, Sendable {
        case needMore
        case destination(ProxyDestination)
        case refuse(String)
    }

    /// Looks at the bytes a v1 client sent so far (they start with the network magic).
    /// - Parameters:
    ///   - bytes: everything received from the client so far.
    ///   - magic: the network's message start.
    /// - Returns: the destination once the version message is complete, or why it cannot be used.
    public static func destination(in bytes: [UInt8], magic: NetworkMagic) -> Outcome {
        let headerSize = P2PMessageHeader.size
        guard bytes.count >= headerSize else { return .needMore }
        guard bytes.starts(with: magic.wireBytes) else { return .refuse("first message does not start with the network magic \(magic)") }
        let command: P2PCommand
        do { command = try P2PCommand(wireField: bytes[4..<16]) } catch {
            return .refuse("first message has an invalid command: \(error)")
        }
        guard command == .version else {
            return .refuse("first message is \(command), not version: no addr_recv to route by (use SOCKS5 or --map)")
        }
        let length = Int(bytes[16]) | Int(bytes[17]) << 8 | Int(bytes[18]) << 16 | Int(bytes[19]) << 24
        guard length <= maxVersionPayload else {
            return .refuse("version message of \(length) bytes exceeds \(maxVersionPayload)")
        }
        guard bytes.count >= headerSize + length else { return .needMore }
        let version: VersionMessage
        do { version = try VersionMessage(payload: bytes[headerSize..<headerSize + length]) } catch {
            return .refuse("malformed version message: \(error)")
        }
        let receiver = version.receiver
        guard receiver.ip != .unspecified, receiver.port != 0 else {
            return .refuse("version's addr_recv is empty (\(receiver.ip):\(receiver.port)): the client did not say where it wants to go; use SOCKS5 or --map")
        }
        let host: ProxyHost = receiver.ip.ipv4.map { .ipv4($0) } ?? .ipv6(receiver.ip.bytes)
        return .destination(ProxyDestination(host: host, port: Int(receiver.port)))
    }
}
