import DriverKit
import DriverProtocol
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// DriverKit's runner in-process: lines in through a stream, lines out through a real pipe.
@Suite struct DriverKitTests {
    struct Echo: Driver {
        var info: DriverDescription {
            DriverDescription(name: "echo", version: "1", capabilities: TransportCapabilities(send: true, receive: true, messageKinds: [.headers]))
        }

        func start(_ params: InitParams, context: DriverContext) async throws {
            try context.peerConnected(PeerInfo(id: "e", direction: .inbound))
        }

        func sendMessage(_ params: SendMessageParams, context: DriverContext) async throws -> SendMessageResult {
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...20)))
            return SendMessageResult(peer: "e", replies: [params.message])
        }
    }

    /// A live runner: lines in through a stream, frames out through a real pipe.
    final class Live: @unchecked Sendable {
        // @unchecked: `frames` is guarded by `lock`.
        let feed: AsyncStream<DriverFrameDecoder.Event>.Continuation
        let runner: Task<Void, Never>
        let reader: Task<Void, Never>
        private let lock = NSLock()
        private var frames: [RPCFrame] = []
        private let fds: [Int32]

        init() throws {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw DriverProtocolError(.internalError, "pipe") }
            self.fds = fds
            let (input, feed) = AsyncStream<DriverFrameDecoder.Event>.makeStream()
            self.feed = feed
            let runner = DriverRunner(Echo(), writer: LineWriter(fd: fds[1]))
            let writeEnd = fds[1]
            self.runner = Task {
                await runner.run(input)
                close(writeEnd)
            }
            let output = LineReader.start(fd: fds[0])
            let box = FrameBox()
            self.reader = Task {
                for await event in output {
                    if case .line(let bytes) = event, let frame = try? RPCCodec.parse(bytes) { box.append(frame) }
                }
            }
            self.box = box
        }

        private let box: FrameBox

        func send(_ line: String) {
            var framer = DriverFrameDecoder()
            for event in framer.append(Array((line + "\n").utf8)) { feed.yield(event) }
        }

        var all: [RPCFrame] { box.frames }

        func answer(_ id: Int64, timeout: Duration = .seconds(5)) async -> RPCFrame? {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let frame = all.first(where: { Live.matches($0, id) }) { return frame }
                try? await Task.sleep(for: .milliseconds(2))
            }
            return nil
        }

        static func matches(_ frame: RPCFrame, _ id: Int64) -> Bool {
            switch frame.kind {
            case .result(.number(id)), .error(.number(id)?, _): true
            default: false
            }
        }

        func finish() async {
            feed.finish()
            await runner.value
            await reader.value
            close(fds[0])
        }
    }

    final class FrameBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [RPCFrame] = []
        func append(_ frame: RPCFrame) { lock.withLock { stored.append(frame) } }
        var frames: [RPCFrame] { lock.withLock { stored } }
    }

    private func errorKind(_ frame: RPCFrame?) -> DriverProtocolError.Kind? {
        if case .error(_, let error)? = frame?.kind { return error.kind }
        return nil
    }

    private static let initLine = #"{"jsonrpc":"2.0","id":4,"method":"init","params":{"network":"regtest","chain":{"genesis_hash":"\#(ChainInfo.regtest.genesisHash)","magic":"fabfb5da","default_port":18444},"options":{},"data_dir":"/tmp"}}"#

    @Test func negotiatesServesAndRefuses() async throws {
        let live = try Live()
        live.send(#"{"jsonrpc":"2.0","id":1,"method":"getmanifest","params":{"protocol_versions":[7,1]}}"#)
        live.send(#"{"jsonrpc":"2.0","id":2,"method":"getmanifest","params":{"protocol_versions":[7]}}"#)
        live.send(#"{"jsonrpc":"2.0","id":3,"method":"listpeers"}"#)
        live.send("{not json")
        let manifest = try #require(await live.answer(1)).result(as: Manifest.self)
        #expect(manifest.protocolVersion == 1)
        #expect(manifest.name == "echo")
        #expect(errorKind(await live.answer(2)) == .versionMismatch)
        #expect(errorKind(await live.answer(3)) == .notInitialized)
        live.send(Self.initLine)
        #expect(await live.answer(4).map { if case .result = $0.kind { true } else { false } } == true)
        #expect(live.all.contains { if case .error(nil, let e) = $0.kind { return e.kind == .parse }; return false })
        #expect(live.all.contains { $0.kind == .notification(method: Methods.peerConnected) })
        live.send(#"{"jsonrpc":"2.0","id":5,"method":"shutdown"}"#)
        await live.finish()
    }

    @Test func concurrentRequestsAreAllAnsweredAndShutdownComesLast() async throws {
        let live = try Live()
        live.send(Self.initLine)
        _ = try #require(await live.answer(4))
        for id in 10..<60 {
            live.send(#"{"jsonrpc":"2.0","id":\#(id),"method":"sendmessage","params":{"message":{"command":"getheaders","payload":"0\#(id % 10)"},"expect":["getheaders"],"timeout_ms":100}}"#)
        }
        live.send(#"{"jsonrpc":"2.0","id":98,"method":"sendmessage","params":{"message":{"command":"block","payload":"00"},"expect":[],"timeout_ms":5}}"#)
        live.send(#"{"jsonrpc":"2.0","id":97,"method":"sendmessage","params":{"message":{"command":"headers"}}}"#)
        live.send(#"{"jsonrpc":"2.0","id":100,"method":"shutdown"}"#)
        live.send(#"{"jsonrpc":"2.0","id":101,"method":"ping"}"#)
        await live.finish()
        let frames = live.all
        for id in Int64(10)..<60 {
            let frame = try #require(frames.first { Live.matches($0, id) })
            #expect(try frame.result(as: SendMessageResult.self).replies.first?.payload == "0\(id % 10)")
        }
        #expect(errorKind(frames.first { Live.matches($0, 98) }) == .capabilityBreach)
        #expect(errorKind(frames.first { Live.matches($0, 97) }) == .invalidParams)
        #expect(!frames.contains { Live.matches($0, 101) })  // nothing is served after shutdown
        #expect(frames.last.map { Live.matches($0, 100) } == true)
    }
}
