import BIP324ProxyCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// A blocking TCP client for the byte-level tests (SOCKS5 errors, garbage, the metrics page),
/// run through `offPool` so it never blocks the cooperative pool.
enum RawSocket {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// What came back: the bytes, and whether the other side closed.
    struct Answer: Sendable {
        let bytes: [UInt8]
        let closed: Bool
    }

    /// Connects to `host:port` (IPv4 or IPv6 literal), sends `bytes`, reads until the other side
    /// closes, `expect` bytes arrived, or `timeout` passes.
    static func exchange(host: String = "127.0.0.1", port: Int, send bytes: [UInt8], expect: Int = .max,
                         timeout: TimeInterval = 10) async throws -> Answer {
        try await offPool {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var info: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else {
                throw Failure(description: "cannot resolve \(host)")
            }
            defer { freeaddrinfo(info) }
            let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket() failed") }
            defer { close(fd) }
            guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
                throw Failure(description: "connect to \(host):\(port) failed: errno \(errno)")
            }
            var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { break }
                sent += n
            }
            var got: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while got.count < expect {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 { return Answer(bytes: got, closed: true) }
                if n < 0 { return Answer(bytes: got, closed: errno == ECONNRESET) }
                got += buffer[..<n]
            }
            return Answer(bytes: got, closed: false)
        }
    }

    /// Waits until something accepts on `host:port`.
    static func waitUntilListening(host: String = "127.0.0.1", port: Int, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let ok = try await offPool { () -> Bool in
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var info: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, String(port), &hints, &info) == 0, let first = info else { return false }
                defer { freeaddrinfo(info) }
                let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
                defer { close(fd) }
                return connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0
            }
            if ok { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "nothing listens on \(host):\(port)")
    }
}
