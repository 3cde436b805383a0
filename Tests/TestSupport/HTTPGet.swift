/// `GET path` over HTTP/1.1 to 127.0.0.1:`port` with `Connection: close` (a metrics page, a status
/// page): the whole reply, status line and headers included, as text. The socket work runs off
/// the cooperative pool.
/// - Throws: ``LoopbackSocket/Failure`` when the connection fails or the reply stalls.
public func httpGet(port: Int, path: String) async throws -> String {
    try await offPool {
        let socket = try LoopbackSocket.connect(port: UInt16(port))
        try socket.send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8))
        var reply: [UInt8] = []
        while true {
            let chunk = try socket.receive()
            if chunk.isEmpty { break }
            reply += chunk
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
