import BitcoinPrimitives
import CResolv
import Foundation

/// DNS A and AAAA lookups with glibc's libresolv (`res_ninit`, `res_nquery`, `ns_initparse`,
/// `ns_parserr`): UDP, and TCP when an answer comes back truncated (libresolv does that itself).
/// The server is the `resolver` option when given, IPv4 (`HOST:PORT`) or IPv6 (`[ADDR]:PORT`),
/// written into the `res_state` as res_ninit writes a `nameserver` line, port included; else the
/// ones in /etc/resolv.conf. Never bitcoind's.
///
/// libresolv blocks, so each lookup runs on its own thread, with a private `res_state`, and is
/// raced against a timeout; the state lives and dies inside that thread.
struct DNSLookup: Sendable {
    /// The DNS server, or nil for /etc/resolv.conf's.
    let server: HostPort?
    /// Overall time for one name (both record types).
    var timeout: Duration = .seconds(10)

    /// The IPv4 and IPv6 addresses `name` resolves to, with `port`.
    /// - Throws: ``DNSLookupError`` on a timeout, a bad server address or a failed query.
    func addresses(of name: String, port: UInt16) async throws -> [PeerAddress] {
        let server = self.server
        let seconds = max(1, Int(timeout.components.seconds) / 4)
        let work = Task.detached { () throws -> [PeerAddress] in
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<[PeerAddress], any Error>) in
                Thread.detachNewThread {
                    done.resume(with: Result { try Self.blockingLookup(name, port: port, server: server, seconds: seconds) })
                }
            }
        }
        let timer = Task { try await Task.sleep(for: timeout) }
        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: [PeerAddress]?.self) { group in
                group.addTask { try await work.value }
                group.addTask { try? await timer.value; return nil }
                defer { group.cancelAll(); timer.cancel() }
                guard let first = try await group.next(), let result = first else {
                    throw DNSLookupError("no answer for \(name) within \(timeout)")
                }
                return result
            }
        } onCancel: {
            timer.cancel()
        }
    }

    private static func blockingLookup(_ name: String, port: UInt16, server: HostPort?, seconds: Int) throws -> [PeerAddress] {
        guard name.utf8.count < 254, !name.isEmpty else { throw DNSLookupError("bad name") }
        guard let state = altnet_res_new() else { throw DNSLookupError("res_ninit failed") }
        defer { altnet_res_free(state) }
        altnet_res_timing(state, Int32(seconds), 2)
        if let server {
            var sin = sockaddr_in()
            var sin6 = sockaddr_in6()
            if inet_pton(AF_INET, server.host, &sin.sin_addr) == 1 {
                sin.sin_family = sa_family_t(AF_INET)
                sin.sin_port = in_port_t(UInt16(server.port).bigEndian)
                altnet_res_use_server(state, sin)
            } else if inet_pton(AF_INET6, server.host, &sin6.sin6_addr) == 1 {
                sin6.sin6_family = sa_family_t(AF_INET6)
                sin6.sin6_port = in_port_t(UInt16(server.port).bigEndian)
                guard altnet_res_use_server6(state, sin6) == 0 else { throw DNSLookupError("resolver \(server): out of memory") }
            } else {
                throw DNSLookupError("resolver \(server) is not an IPv4 or IPv6 address")
            }
        }
        var out: [PeerAddress] = []
        for (type, network) in [(ns_t_a, AddressNetwork.ipv4), (ns_t_aaaa, AddressNetwork.ipv6)] {
            var answer = [UInt8](repeating: 0, count: 65_535)
            let length = altnet_res_query(state, name, Int32(type.rawValue), &answer, Int32(answer.count))
            guard length > 0 else { continue }  // NXDOMAIN, no records of this type, no answer
            var message = ns_msg()
            guard ns_initparse(answer, Int32(min(Int(length), answer.count)), &message) == 0 else { continue }
            let count = Int(message._counts.1)  // ns_msg_count(message, ns_s_an)
            for i in 0..<min(count, 1000) {
                var rr = ns_rr()
                guard ns_parserr(&message, ns_s_an, Int32(i), &rr) == 0, rr.type == UInt16(type.rawValue),
                      Int(rr.rdlength) == network.addressLength, let data = rr.rdata else { continue }
                let bytes = Array(UnsafeBufferPointer(start: data, count: Int(rr.rdlength)))
                if let address = try? PeerAddress(network: network, bytes: bytes, port: port) {
                    out.append(network == .ipv6 ? PeerAddress(ip: (try? IPAddress(bytes: bytes)) ?? .unspecified, port: port) : address)
                }
            }
        }
        return out
    }
}

/// Why a DNS lookup gave nothing.
struct DNSLookupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
