import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// TCP connections to a server on 127.0.0.1 that a hostile-peer test opens and holds (sending
/// nothing, or what it is told), then asks which the server has closed. Blocking calls: use
/// through ``offPool(background:_:)``.
public final class HeldConnections: @unchecked Sendable {
    // @unchecked: used by one test task at a time; `fds` only changes in init and close().
    private var fds: [Int32] = []

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens `count` connections to 127.0.0.1:`port`.
    /// - Parameter from: the source address (another 127.x address looks like a second host).
    /// - Throws: ``Failure`` when a bind or connect fails.
    public init(count: Int, port: Int, from: String = "127.0.0.1") throws {
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
            if from != "127.0.0.1" {
                var source = sockaddr_in()
                source.sin_family = sa_family_t(AF_INET)
                source.sin_addr.s_addr = inet_addr(from)
                let bound = withUnsafePointer(to: &source) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                guard bound == 0 else {
                    Glibc.close(fd)
                    throw Failure(description: "bind to \(from) failed: errno \(errno)")
                }
            }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                Glibc.close(fd)
                throw Failure(description: "connect to 127.0.0.1:\(port) failed: errno \(errno)")
            }
            fds.append(fd)
        }
    }

    deinit { close() }

    public var count: Int { fds.count }

    /// Sends `bytes` on connection `index` (stops at the first error: the server may close).
    /// - Returns: the bytes sent.
    @discardableResult
    public func send(_ index: Int, _ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fds[index], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { break }
            sent += n
        }
        return sent
    }

    /// Reads what connection `index` has received within `timeout` seconds, until it closes.
    /// - Returns: the bytes, and whether the server closed the connection.
    public func read(_ index: Int, timeout: TimeInterval) -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            var pfd = pollfd(fd: fds[index], events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&pfd, 1, min(wait, 100)) > 0 else { continue }
            let n = recv(fds[index], &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n == 0 { return (got, true) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                return (got, true)
            }
            got += buffer[..<n]
        }
        return (got, false)
    }

    /// How many connections the server has closed, waiting up to `timeout` seconds for all of
    /// them to close (what they received meanwhile is read and dropped).
    public func closedCount(within timeout: TimeInterval) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var closed = Set<Int>()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while closed.count < fds.count, Date() < deadline {
            for (i, fd) in fds.enumerated() where !closed.contains(i) {
                let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) { closed.insert(i) }
            }
            if closed.count < fds.count { usleep(50_000) }
        }
        return closed.count
    }

    /// Closes every connection.
    public func close() {
        for fd in fds { Glibc.close(fd) }
        fds = []
    }
}
