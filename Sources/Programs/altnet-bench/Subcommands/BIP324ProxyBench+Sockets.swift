import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Blocking loopback TCP for the proxy bench: the figures are about the proxy, so the
/// endpoints stay as plain as possible (one thread each, no event loop).
enum BenchSocket {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// A listening socket on 127.0.0.1 with a port the OS picked.
    /// - Returns: the descriptor and the port.
    static func listen() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok, Glibc.listen(fd, 16) == 0 else {
            close(fd)
            throw Failure(description: "cannot listen on 127.0.0.1: errno \(errno)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Connects to 127.0.0.1:`port`, retrying for up to `timeout` seconds (a child still starting).
    static func connect(port: Int, timeout: Double = 20) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            if ok {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            }
            close(fd)
            guard Date() < deadline else { throw Failure(description: "cannot connect to 127.0.0.1:\(port)") }
            usleep(50_000)
        }
    }

    static func accept(_ listener: Int32) throws -> Int32 {
        let fd = Glibc.accept(listener, nil, nil)
        guard fd >= 0 else { throw Failure(description: "accept() failed: errno \(errno)") }
        return fd
    }

    /// Writes all of `bytes`.
    static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var sent = 0
        while sent < bytes.count {
            let n = Glibc.send(fd, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            guard n > 0 else { throw Failure(description: "send() failed: errno \(errno)") }
            sent += n
        }
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try send(fd, $0) }
    }

    /// Reads what is there (blocking for at least one byte) into `buffer`.
    /// - Returns: the byte count; 0 when the peer closed.
    static func receive(_ fd: Int32, into buffer: inout [UInt8]) throws -> Int {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { throw Failure(description: "recv() failed: errno \(errno)") }
        return n
    }
}
