import TestSupport

/// One HTTP/1.1 response as read off a raw socket.
struct RawResponse {
    let status: Int
    /// Header names lowercased.
    let headers: [String: String]
    let body: [UInt8]
}

/// Reads responses one at a time off a ``LoopbackSocket``, keeping bytes that belong to the
/// next one (keep-alive, pipelining). Blocking: use it inside `offPool`.
final class RawResponseReader {
    let socket: LoopbackSocket
    private var buffered: [UInt8] = []

    init(_ socket: LoopbackSocket) { self.socket = socket }

    /// The next response (head and `Content-Length` body); nil when the server closed first.
    func next() throws -> RawResponse? {
        var headEnd: Int?
        while true {
            headEnd = Self.find([13, 10, 13, 10], in: buffered)
            if headEnd != nil { break }
            guard try fill() else { return nil }
        }
        let head = String(decoding: buffered[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headEnd! + 4
        while buffered.count < bodyStart + length {
            guard try fill() else { return nil }
        }
        let body = Array(buffered[bodyStart..<(bodyStart + length)])
        buffered.removeFirst(bodyStart + length)
        return RawResponse(status: status, headers: headers, body: body)
    }

    /// Whether the server has closed the connection (EOF or reset) with nothing more to read.
    func closed() throws -> Bool {
        do { return try !fill() } catch { return true }
    }

    private func fill() throws -> Bool {
        let chunk = try socket.receive()
        buffered += chunk
        return !chunk.isEmpty
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
