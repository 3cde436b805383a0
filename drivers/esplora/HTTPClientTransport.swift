import AsyncHTTPClient
import EsploraDriverCore
import NIOCore
import NIOPosix

/// ``EsploraTransport`` over async-http-client: keep-alive connections, redirects refused, an
/// optional SOCKS5 proxy (Tor), each exchange bounded in time (the whole of it, body included,
/// however slowly the server drips) and in size (a `Content-Length` over the bound is refused
/// before any body byte is read; a streamed body is dropped the moment its total crosses it).
final class HTTPClientTransport: EsploraTransport {
    private let client: HTTPClient

    init(_ options: EsploraOptions) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(Int64(options.timeout.components.seconds)))
        if let proxy = options.proxy {
            configuration.proxy = .socksServer(host: proxy.host, port: proxy.port)
        }
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    func perform(_ request: EsploraRequest) async throws(EsploraTransportError) -> EsploraResponse {
        let outcome: Result<EsploraResponse, EsploraTransportError> = await withTaskGroup(of: Result<EsploraResponse, EsploraTransportError>?.self) { group in
            group.addTask { await self.exchange(request) }
            group.addTask {
                try? await Task.sleep(for: request.timeout)
                return Task.isCancelled ? nil : .failure(.timeout)
            }
            var first: Result<EsploraResponse, EsploraTransportError> = .failure(.timeout)
            while let next = await group.next() {
                guard let next else { continue }
                first = next
                break
            }
            group.cancelAll()
            return first
        }
        return try outcome.get()
    }

    /// The exchange itself; cancelled by ``perform(_:)`` when the timeout fires first.
    private func exchange(_ request: EsploraRequest) async -> Result<EsploraResponse, EsploraTransportError> {
        var http = HTTPClientRequest(url: request.url)
        http.headers.add(name: "User-Agent", value: "altnet-driver-esplora")
        if request.method == .post {
            http.method = .POST
            http.headers.add(name: "Content-Type", value: "text/plain")
            http.body = .bytes(ByteBuffer(bytes: request.body))
        }
        do {
            let millis = Int64(request.timeout.components.seconds) * 1000 + request.timeout.components.attoseconds / 1_000_000_000_000_000
            let response = try await client.execute(http, timeout: .milliseconds(max(millis, 1)))
            if let declared = response.headers.first(name: "content-length").flatMap(Int.init), declared > request.maxBodyBytes {
                return .failure(.bodyTooLarge(limit: request.maxBodyBytes))
            }
            var body: [UInt8] = []
            for try await chunk in response.body {
                guard body.count + chunk.readableBytes <= request.maxBodyBytes else {
                    return .failure(.bodyTooLarge(limit: request.maxBodyBytes))
                }
                body.append(contentsOf: chunk.readableBytesView)
            }
            return .success(EsploraResponse(status: Int(response.status.code), body: body))
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout, .socksHandshakeTimeout].contains(error) {
            return .failure(.timeout)
        } catch {
            return .failure(.connection("\(error)"))
        }
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}
