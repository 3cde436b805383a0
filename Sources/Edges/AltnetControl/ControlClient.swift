import DriverProtocol
import Foundation
import HTTPService
#if canImport(Glibc)
import Glibc
import JSON
#endif

/// A blocking client for altnetd's control socket (altnet-cli, sendemergencytx, tests).
///
/// One POST per connection over the Unix socket `DIR/altnetd.sock`, authenticated with the
/// cookie in `DIR/.cookie`. Blocking on purpose: the command-line tools do one call and exit;
/// async callers run it off the cooperative pool.
public struct ControlClient: Sendable {
    /// The socket file name inside the data directory.
    public static let socketName = "altnetd.sock"
    /// The largest reply read (a bound against a runaway peer on the socket).
    public static let maxReplyBytes = 64 << 20

    public let socketPath: String
    public let cookiePath: String
    /// Receive timeout per read.
    public var timeoutSeconds: Int

    /// - Parameters:
    ///   - dataDir: altnetd's data directory.
    ///   - timeoutSeconds: how long to wait for a reply.
    public init(dataDir: String, timeoutSeconds: Int = 300) {
        socketPath = dataDir + "/" + Self.socketName
        cookiePath = dataDir + "/" + CookieFile.fileName
        self.timeoutSeconds = timeoutSeconds
    }

    /// Calls a method with the cookie from the data directory.
    /// - Parameters:
    ///   - method: e.g. `getinfo`.
    ///   - params: positional or named params.
    /// - Returns: the result.
    /// - Throws: ``ControlError``: `.notRunning`, `.cookieUnreadable`, `.unauthorized`, `.transport`
    ///   or `.rpc(code:)` with the daemon's message.
    public func call(_ method: String, _ params: JSONValue = .array([])) throws(ControlError) -> JSONValue {
        guard access(socketPath, F_OK) == 0 else {
            if errno == EACCES {
                throw ControlError(kind: .permissionDenied, message: "permission denied: cannot reach \(socketPath) "
                    + "(altnetd's data directory, socket and cookie are its owner's only: run as that user)")
            }
            throw ControlError(kind: .notRunning, message: "altnetd is not running (no socket at \(socketPath))")
        }
        let cookie: CookieFile
        do throws(CookieFileError) {
            cookie = try CookieFile.read(from: cookiePath)
        } catch {
            throw ControlError(kind: .cookieUnreadable, message: error.description)
        }
        return try call(method, params, authorization: cookie.authorization)
    }

    /// Calls a method with the given `Authorization` header (nil: none).
    /// - Throws: ``ControlError``.
    public func call(_ method: String, _ params: JSONValue, authorization: String?) throws(ControlError) -> JSONValue {
        let body: Data
        do {
            body = try JSONEncoder().encode(ControlRPC.Request(method: method, params: params))
        } catch {
            throw ControlError(kind: .transport, message: "cannot encode the request: \(error)")
        }
        let (status, replyBody) = try post(body: Array(body), authorization: authorization)
        if status == 401 {
            throw ControlError(kind: .unauthorized, message: "altnetd refused the cookie (HTTP 401): is \(cookiePath) the running daemon's?")
        }
        guard let reply = try? JSONDecoder().decode(ControlRPC.Reply.self, from: Data(replyBody)) else {
            throw ControlError(kind: .transport, message: "altnetd answered HTTP \(status) without a JSON-RPC reply")
        }
        if let error = reply.error {
            throw ControlError(kind: .rpc(code: error.code), message: "error code: \(error.code)\nerror message:\n\(error.message)")
        }
        return reply.result
    }

    /// One HTTP POST; returns the status and body.
    func post(body: [UInt8], authorization: String?) throws(ControlError) -> (Int, [UInt8]) {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ControlError.system("socket()", errno) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ControlError(kind: .transport, message: "socket path too long for a Unix socket: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            if code == EACCES {
                throw ControlError(kind: .permissionDenied, message: "permission denied: cannot connect to \(socketPath) (mode 0600: run as altnetd's user)")
            }
            if code == ECONNREFUSED || code == ENOENT {
                throw ControlError(kind: .notRunning, message: "altnetd is not running (nothing listens on \(socketPath))")
            }
            throw ControlError.system("cannot connect to \(socketPath)", code)
        }
        var head = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n"
        if let authorization { head += "Authorization: \(authorization)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ControlError(kind: .transport, message: "connection to altnetd lost while sending") }
            sent += n
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while reply.count <= Self.maxReplyBytes {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else {
                throw ControlError(kind: .transport, message: "no reply from altnetd within \(timeoutSeconds) s")
            }
            reply.append(contentsOf: chunk[..<n])
        }
        return try Self.parse(reply)
    }

    /// Splits an HTTP/1.1 response into status and body (Content-Length honoured when present).
    static func parse(_ reply: [UInt8]) throws(ControlError) -> (Int, [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = reply.indices.first(where: { reply[$0...].starts(with: separator) }) else {
            throw ControlError(kind: .transport, message: "altnetd closed the connection without an HTTP reply")
        }
        let head = String(decoding: reply[..<end], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw ControlError(kind: .transport, message: "altnetd sent a malformed HTTP status line")
        }
        var body = Array(reply[(end + 4)...])
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length",
               let length = Int(parts[1].trimmingCharacters(in: .whitespaces)), length <= body.count {
                body = Array(body.prefix(length))
            }
        }
        return (status, body)
    }
}
