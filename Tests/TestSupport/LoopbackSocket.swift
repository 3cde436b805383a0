#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal blocking TCP socket on 127.0.0.1 for the interop tests (the protocol cores stay pure;
/// this is their thin I/O edge in tests). Every wait is bounded by `timeoutMilliseconds`; the
/// socket closes when the last reference goes. Blocking: use it from `offPool` or a test that
/// runs no other work.
/// `@unchecked Sendable`: the descriptor is immutable and each test uses a socket from one thread
/// at a time (handed to its worker thread, never shared concurrently).
public final class LoopbackSocket: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ what: String) { description = "\(what): errno \(errno) (\(String(cString: strerror(errno))))" }
        init(message: String) { description = message }
    }

    let fd: Int32
    public let timeoutMilliseconds: Int32 = 60_000

    private init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    private static func address(port: UInt16) -> sockaddr_in {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return addr
    }

    private static func makeSocket() throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure("socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Listens on 127.0.0.1 on a port the OS picks.
    /// - Returns: the listening socket and its port.
    public static func listen() throws -> (LoopbackSocket, UInt16) {
        let s = LoopbackSocket(fd: try makeSocket())
        var addr = address(port: 0)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(s.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw Failure("bind") }
        #if canImport(Glibc)
        guard Glibc.listen(s.fd, 4) == 0 else { throw Failure("listen") }
        #else
        guard Darwin.listen(s.fd, 4) == 0 else { throw Failure("listen") }
        #endif
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s.fd, $0, &len) }
        }
        guard named == 0 else { throw Failure("getsockname") }
        return (s, UInt16(bigEndian: addr.sin_port))
    }

    /// Accepts one connection within the timeout.
    /// - Parameter keepWaiting: checked every 100 ms; false gives up at once (for example when
    ///   the peer that was to connect has exited).
    public func accept(while keepWaiting: () -> Bool = { true }) throws -> LoopbackSocket {
        var waited: Int32 = 0
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 100) > 0 { break }
            waited += 100
            guard keepWaiting(), waited < timeoutMilliseconds else { throw Failure(message: "no connection to accept") }
        }
        #if canImport(Glibc)
        let client = Glibc.accept(fd, nil, nil)
        #else
        let client = Darwin.accept(fd, nil, nil)
        #endif
        guard client >= 0 else { throw Failure("accept") }
        return LoopbackSocket(fd: client)
    }

    /// `connect(2)` of `fd` to a socket address of any family (`sockaddr_in`, `sockaddr_un`).
    private static func connectSystemCall<Address>(_ fd: Int32, to address: inout Address) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #if canImport(Glibc)
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<Address>.size))
                #else
                Darwin.connect(fd, $0, socklen_t(MemoryLayout<Address>.size))
                #endif
            }
        }
    }

    /// Connects to 127.0.0.1:`port`.
    public static func connect(port: UInt16) throws -> LoopbackSocket {
        let s = LoopbackSocket(fd: try makeSocket())
        var addr = address(port: port)
        let ok = connectSystemCall(s.fd, to: &addr)
        guard ok == 0 else { throw Failure("connect to 127.0.0.1:\(port)") }
        return s
    }

    /// Connects to the Unix socket at `path` (a control socket, an `HTTPServer` on a path).
    public static func connect(unixPath path: String) throws -> LoopbackSocket {
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure("socket") }
        let s = LoopbackSocket(fd: fd)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw Failure(message: "path too long: \(path)") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let ok = connectSystemCall(s.fd, to: &addr)
        guard ok == 0 else { throw Failure("connect to \(path)") }
        return s
    }

    /// Whether bytes (or the peer's close) arrive within `milliseconds`.
    public func readable(within milliseconds: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, milliseconds) > 0
    }

    /// Writes every byte.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(fd, raw.baseAddress, raw.count, 0)
                #endif
            }
            guard n > 0 else { throw Failure("send") }
            offset += n
        }
    }

    /// Reads what is available (at most `max` bytes); an empty result means the peer closed.
    public func receive(max: Int = 65_536) throws -> [UInt8] {
        try wait(for: Int16(POLLIN))
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        guard n >= 0 else { throw Failure("recv") }
        return Array(buffer[0..<n])
    }

    private func wait(for events: Int16) throws {
        var p = pollfd(fd: fd, events: events, revents: 0)
        let r = poll(&p, 1, timeoutMilliseconds)
        guard r > 0 else {
            throw r == 0 ? Failure(message: "timed out after \(timeoutMilliseconds) ms") : Failure("poll")
        }
    }
}
