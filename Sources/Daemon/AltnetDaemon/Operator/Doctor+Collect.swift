import Altstack
import BitcoindRPC
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Doctor {
    /// Gathers ``DoctorInputs`` from bitcoind (getnetworkinfo, getblockchaininfo,
    /// getzmqnotifications), the Altstack, the ZMQ feed's counters and the file system.
    /// - Parameters:
    ///   - settings: altnetd's settings (RPC address, credentials, zmqpub).
    ///   - bitcoind: the RPC client.
    ///   - drivers: the Altstack's snapshot.
    ///   - zmq: what the ZMQ feed received.
    ///   - dataDir: altnetd's data directory.
    /// - Returns: the inputs for ``checks(_:)``.
    static func collect(settings: DaemonSettings, bitcoind: BitcoindRPCClient, drivers: [DriverSnapshot],
                        zmq: ZMQActivity, dataDir: String) async -> DoctorInputs {
        let network: Result<NetworkInfo, BitcoindRPCError>
        do throws(BitcoindRPCError) { network = .success(try await bitcoind.getNetworkInfo()) } catch { network = .failure(error) }
        var chain: BlockchainInfo?
        var publishers: Result<[ZMQNotificationInfo], BitcoindRPCError>?
        if case .success = network {
            chain = try? await bitcoind.getBlockchainInfo()
            do throws(BitcoindRPCError) {
                publishers = .success(try await bitcoind.getZMQNotifications())
            } catch {
                publishers = .failure(error)
            }
        }
        let credentials = settings.rpcUser.map { "rpcuser \($0)" } ?? "cookie \(settings.rpcCookieFile ?? "?")"
        let proxy = chain?.pruned == true
            ? await offThread { tcpAnswers(host: rpcProxyAddress.host, port: rpcProxyAddress.port) } : false
        return DoctorInputs(
            rpcEndpoint: DaemonSettings.HostPort(host: settings.rpcHost, port: settings.rpcPort).description,
            credentialsSource: credentials, network: network, chain: chain, zmqPublishers: publishers,
            zmqSubscribed: settings.zmqEndpoint, zmqActivity: zmq.snapshot, drivers: drivers,
            rpcProxyAnswers: proxy, dataDir: dataDir, diskFreeBytes: freeBytes(dataDir),
            now: Date().timeIntervalSince1970)
    }

    /// Bytes available to an unprivileged user on the filesystem holding `path` (statvfs).
    static func freeBytes(_ path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// Whether a TCP connect to `host:port` succeeds within a second (blocking).
    static func tcpAnswers(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// Runs blocking work on a thread of its own, off Swift's cooperative pool.
    static func offThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }
}
