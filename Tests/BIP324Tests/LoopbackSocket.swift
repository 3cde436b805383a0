import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP socket on 127.0.0.1 with a receive timeout, for the interop tests only.
struct LoopbackSocket {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ what: String) { description = "\(what): \(String(cString: strerror(errno)))" }
    }

    let fd: Int32

    private static func makeSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket") }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return addr
    }

    /// A listening socket on 127.0.0.1 with an OS-chosen port.
    static func listen() throws -> (socket: LoopbackSocket, port: UInt16) {
        let fd = try makeSocket()
        var addr = loopback(port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 1) == 0 else { _ = Glibc.close(fd); throw Failure("bind/listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (LoopbackSocket(fd: fd), UInt16(bigEndian: addr.sin_port))
    }

    /// Accepts one connection, waiting while `keepWaiting` holds (checked every 100 ms) and at
    /// most 60 seconds.
    func accept(while keepWaiting: () -> Bool) throws -> LoopbackSocket {
        var waited = 0
        while true {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 100) > 0 { break }
            waited += 100
            guard keepWaiting(), waited < 60_000 else { throw Failure("no connection to accept") }
        }
        let client = Glibc.accept(fd, nil, nil)
        guard client >= 0 else { throw Failure("accept") }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return LoopbackSocket(fd: client)
    }

    static func connect(port: UInt16) throws -> LoopbackSocket {
        let fd = try makeSocket()
        var addr = loopback(port: port)
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { _ = Glibc.close(fd); throw Failure("connect to 127.0.0.1:\(port)") }
        return LoopbackSocket(fd: fd)
    }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure("send") }
            sent += n
        }
    }

    /// Up to 64 KiB; empty at end of stream.
    func receive() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { throw Failure("recv") }
        return Array(buffer[0..<n])
    }

    func close() { _ = Glibc.close(fd) }
}
