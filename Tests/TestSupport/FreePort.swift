import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Loopback ports for tests that start servers in other processes.
public enum FreePort {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A TCP port free on a loopback address now (the OS picks it; the socket is closed before use).
    /// - Parameter host: an IPv4 loopback address (any of 127.0.0.0/8 works on Linux without
    ///   configuration: tests put peers on 127.1.0.1, 127.2.0.1, ... to give them distinct /16
    ///   network groups).
    /// - Throws: ``Failure`` naming the call that failed and errno.
    public static func loopback(host: String = "127.0.0.1") throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr(host)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw Failure(description: "bind() failed: \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw Failure(description: "getsockname() failed: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A TCP port free on every one of `hosts` now: the OS picks one on the first address and
    /// the same port is bound on each of the others while all are held; a port taken on any of
    /// them is given back and another picked. For a network of servers that share one port on
    /// many loopback addresses (a port free on 127.10.1.1 may be in use on 127.14.1.1).
    /// - Throws: ``Failure`` when 50 picks all collided, or a socket call failed.
    public static func loopback(onEvery hosts: [String]) throws -> Int {
        guard let first = hosts.first else { throw Failure(description: "no hosts") }
        for _ in 0..<50 {
            var held: [Int32] = []
            defer { held.forEach { close($0) } }
            let (fd, port) = try bound(first, port: 0)
            guard let fd else { continue }
            held.append(fd)
            var everywhere = true
            for host in hosts.dropFirst() {
                let (other, _) = try bound(host, port: port)
                guard let other else { everywhere = false; break }
                held.append(other)
            }
            if everywhere { return port }
        }
        throw Failure(description: "no port free on all of \(hosts.count) addresses after 50 picks")
    }

    /// A socket bound to `host:port` (port 0: the OS picks) and the port it got, or nil for the
    /// socket when the address is in use.
    private static func bound(_ host: String, port: Int) throws -> (Int32?, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: \(errno)") }
        var reuse: Int32 = 1  // as a listener does: a port in TIME_WAIT is usable
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        if result != 0 {
            let error = errno
            close(fd)
            if error == EADDRINUSE { return (nil, port) }
            throw Failure(description: "bind(\(host):\(port)) failed: \(error)")
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw Failure(description: "getsockname() failed: \(errno)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
