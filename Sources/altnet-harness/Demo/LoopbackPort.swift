import NIOCore
import NIOPosix

/// A TCP port on 127.0.0.1 that is free now: bound with port 0 so the OS picks it, then closed.
/// (Another process could take it before it is used; on a quiet loopback that does not happen in practice.)
/// - Throws: when the bind fails.
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    guard port > 0 else { throw DemoError("the OS gave no free port") }
    return port
}
