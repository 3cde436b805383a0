import DriverKit
import DriverProtocol
import Foundation
import Testing

/// The core vanishing (its pipe closed, as after kill -9 of altnetd): the runner stops the driver
/// at once instead of waiting for requests in flight that only the driver's peers could end.
@Suite struct EndOfInputTests {
    /// Requests wait on a peer that never answers; only `stop` (closing the peers) releases them.
    final class SilentPeer: @unchecked Sendable {
        // @unchecked: `waiting` and `stopped` are guarded by `lock`.
        private let lock = NSLock()
        private var waiting: [CheckedContinuation<Void, Never>] = []
        private var stopped = false

        func wait() async {
            await withCheckedContinuation { continuation in
                let now = lock.withLock { () -> Bool in
                    if stopped { return true }
                    waiting.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        }

        func close() {
            let all = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
                stopped = true
                defer { waiting = [] }
                return waiting
            }
            all.forEach { $0.resume() }
        }

        var waiters: Int { lock.withLock { waiting.count } }
        var closed: Bool { lock.withLock { stopped } }
    }

    struct Stalling: Driver {
        let peer: SilentPeer
        var info: DriverDescription {
            DriverDescription(name: "stalling", version: "1", capabilities: TransportCapabilities(send: true, receive: true, messageKinds: [.headers]))
        }

        func start(_ params: InitParams, context: DriverContext) async throws {}

        func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
            await peer.wait()  // ignores cancellation, as a wait on a socket's answer may
            throw DriverProtocolError(.peerUnavailable, "peer closed")
        }

        func stop(context: DriverContext) async { peer.close() }
    }

    @Test func endOfInputStopsTheDriverWithoutWaitingOutRequestsInFlight() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let peer = SilentPeer()
        let runner = DriverRunner(Stalling(peer: peer), writer: LineWriter(fd: fds[1]))
        let (input, feed) = AsyncStream<DriverFrameDecoder.Event>.makeStream()
        let done = Task { await runner.run(input) }
        var decoder = DriverFrameDecoder()
        let initLine = #"{"jsonrpc":"2.0","id":1,"method":"init","params":{"network":"regtest","chain":{"genesis_hash":"\#(ChainInfo.regtest.genesisHash)","magic":"fabfb5da","default_port":18444},"options":{},"data_dir":"/tmp"}}"#
        let lines = [initLine] + (2..<5).map {
            #"{"jsonrpc":"2.0","id":\#($0),"method":"sendmessage","params":{"message":{"command":"getheaders","payload":"00"},"expect":["headers"],"timeout_ms":60000}}"#
        }
        func send(_ line: String) { for event in decoder.append(Array((line + "\n").utf8)) { feed.yield(event) } }
        // init answered before the requests: requests are served concurrently, and one served
        // before init has finished is refused (notInitialized) instead of reaching the peer.
        let output = LineReader.start(fd: fds[0])
        send(lines[0])
        var answered = false
        for await event in output {
            if case .line(let bytes) = event, let frame = try? RPCCodec.parse(bytes), case .result(.number(1)) = frame.kind {
                answered = true
                break
            }
        }
        #expect(answered)
        lines.dropFirst().forEach(send)
        let stalled = ContinuousClock.now + .seconds(10)
        while peer.waiters < 3, ContinuousClock.now < stalled { try await Task.sleep(for: .milliseconds(5)) }
        #expect(peer.waiters == 3)
        let closedAt = ContinuousClock.now
        feed.finish()  // the core is gone
        let ended = ContinuousClock.now + .seconds(5)
        while !peer.closed, ContinuousClock.now < ended { try await Task.sleep(for: .milliseconds(5)) }
        let closed = peer.closed
        #expect(closed, "the driver was not stopped at the end of input")
        if !closed { peer.close() }  // let the runner end so the test does
        await done.value
        #expect(ContinuousClock.now - closedAt < .seconds(5))
        close(fds[1])
        for await _ in output {}  // the reader thread ends at the pipe's end
        close(fds[0])
    }
}
