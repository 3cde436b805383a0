import Altstack
import DriverProtocol
import Foundation

/// What the conformance suite saw on a driver's stdout, collected by a reader task so checks
/// can wait with deadlines.
final class ConformanceSession: @unchecked Sendable {
    // @unchecked: mutable state guarded by `lock`; `pipe` is Sendable.
    let pipe: DriverPipe
    private let lock = NSLock()
    private var frames: [RPCFrame] = []
    private(set) var noise: [String] = []
    private(set) var oversized: [Int] = []
    private var ended = false
    private var nextID: Int64 = 1000
    private var sentMethods: [RPCID: String] = [:]
    /// Every protocol line the suite sent, with its message name (`ping.request`,
    /// `signer.ecdh.response`, ...), for the schema check; the deliberately broken lines of
    /// malformed-line and oversized-line are not protocol lines and are not kept.
    private var sentLines: [(name: String, line: [UInt8])] = []
    private var handler: CoreRequestHandler = noCoreRequests
    /// The suite's output framing (JSON lines until init picks binary).
    private var outputFraming = DriverFraming.json
    /// Binary frames that could not be read (kept out of `frames`, reported by stdout-clean).
    private(set) var badFrames: [String] = []

    init(pipe: DriverPipe) { self.pipe = pipe }

    /// Answers the driver's requests to the core from now on (default: `methodNotFound`).
    func serveRequests(with handler: @escaping CoreRequestHandler) {
        lock.withLock { self.handler = handler }
    }

    /// Reads the pipe until end of output, answering the driver's requests to the core.
    func collect() async {
        while let event = await pipe.next() {
            let request: RPCFrame? = lock.withLock {
                switch event {
                case .oversized(let count): oversized.append(count)
                case .frame(let body):
                    do throws(DriverProtocolError) {
                        let frame = try RPCCodec.parse(frame: body)
                        frames.append(frame)
                        if case .request = frame.kind { return frame }
                    } catch {
                        badFrames.append("binary frame of \(body.count) bytes: \(error.message)")
                    }
                case .line(let bytes):
                    if let frame = try? RPCCodec.parse(bytes) {
                        frames.append(frame)
                        if case .request = frame.kind { return frame }
                    } else {
                        noise.append(String(decoding: bytes.prefix(120), as: UTF8.self))
                    }
                }
                return nil
            }
            if let request, case .request(let id, let method) = request.kind { serve(request, id: id, method: method) }
        }
        lock.withLock { ended = true }
    }

    private func serve(_ frame: RPCFrame, id: RPCID, method: String) {
        let handler = lock.withLock { self.handler }
        Task {
            let line: [UInt8]
            var name = "\(method).response"
            let framing = self.framing
            do {
                let result = try await handler(DriverRequest(driver: "check-driver", method: method, frame: frame))
                line = try RPCCodec.result(id: id, result, framing: framing)
            } catch let error as DriverProtocolError {
                line = RPCCodec.error(id: id, error, framing: framing)
                name = "error.response"
            } catch {
                line = RPCCodec.error(id: id, DriverProtocolError(.internalError, "\(error)"), framing: framing)
                name = "error.response"
            }
            self.send(line, as: name)
        }
    }

    /// Waits for a `peerconnected` notification.
    /// - Returns: the peer's id, or nil on timeout or when the driver's output ended.
    func connectedPeer(timeout: Duration) async -> String? {
        let frame = await waitFor(timeout: timeout) { frame in
            if case .notification(Methods.peerConnected) = frame.kind { return true }
            return false
        }
        return frame.flatMap { try? $0.params(as: PeerConnected.self).peer.id }
    }

    var hasEnded: Bool { lock.withLock { ended } }
    /// The framing of what the suite sends now.
    var framing: DriverFraming { lock.withLock { outputFraming } }
    var unreadableFrames: [String] { lock.withLock { badFrames } }
    var allFrames: [RPCFrame] { lock.withLock { frames } }
    var noiseLines: [String] { lock.withLock { noise } }
    var oversizedLines: [Int] { lock.withLock { oversized } }

    /// A fresh request id.
    func freshID() -> RPCID {
        lock.withLock {
            nextID += 1
            return .number(nextID)
        }
    }

    /// Sends a request and waits for the answer with that id.
    /// - Parameters:
    ///   - switchingTo: the framing of what the suite sends after this request (init's pick).
    /// - Returns: the answer, or nil on timeout or when the driver's output ended.
    func request<P: Encodable>(_ method: String, _ params: P, timeout: Duration, switchingTo: DriverFraming? = nil) async -> RPCFrame? {
        let id = freshID()
        guard let line = try? RPCCodec.request(id: id, method: method, params: params, framing: framing) else { return nil }
        lock.withLock { sentMethods[id] = method }
        send(line, as: "\(method).request")
        if let switchingTo { lock.withLock { outputFraming = switchingTo } }
        return await answer(to: id, timeout: timeout)
    }

    /// Waits for the answer to `id`.
    func answer(to id: RPCID, timeout: Duration) async -> RPCFrame? {
        await waitFor(timeout: timeout) { frame in
            switch frame.kind {
            case .result(let fid), .error(.some(let fid), _): fid == id
            default: false
            }
        }
    }

    /// Waits for an error answer with a null id that arrived after `count` frames had been seen.
    func nullIDError(after count: Int, timeout: Duration) async -> RPCFrame? {
        await waitFor(timeout: timeout, from: count) { frame in
            if case .error(nil, _) = frame.kind { return true }
            return false
        }
    }

    /// The method of a request the suite sent.
    func method(of id: RPCID) -> String? { lock.withLock { sentMethods[id] } }

    /// Every method the harness sent, once each.
    var methodsSent: Set<String> { lock.withLock { Set(sentMethods.values) } }

    /// Records a request sent without waiting (concurrency check).
    func sent(_ id: RPCID, method: String) { lock.withLock { sentMethods[id] = method } }

    /// Sends a protocol line and keeps it for the schema check.
    /// - Parameters:
    ///   - line: the encoded line.
    ///   - name: its message name, e.g. `ping.request`.
    func send(_ line: [UInt8], as name: String) {
        keep(line, as: name)
        pipe.send(line)
    }

    /// Keeps a protocol message for the schema check without sending it (the caller sends it,
    /// e.g. in pieces); a binary frame is checked as its JSON header.
    func keep(_ line: [UInt8], as name: String) {
        var json = line
        if line.first == BinaryFrame.marker, let parts = try? BinaryFrame.split(Array(line.dropFirst(BinaryFrame.prefixBytes))) {
            json = Array(line[(BinaryFrame.prefixBytes + parts.header.lowerBound)..<(BinaryFrame.prefixBytes + parts.header.upperBound)])
        }
        lock.withLock { sentLines.append((name, json)) }
    }

    /// The protocol lines sent so far, in order.
    var allSentLines: [(name: String, line: [UInt8])] { lock.withLock { sentLines } }

    var frameCount: Int { lock.withLock { frames.count } }

    private func waitFor(timeout: Duration, from start: Int = 0, _ match: (RPCFrame) -> Bool) async -> RPCFrame? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (found, over): (RPCFrame?, Bool) = lock.withLock {
                (frames.dropFirst(start).first(where: match), ended)
            }
            if let found { return found }
            if over || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits for the end of the driver's output.
    func waitForEnd(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if hasEnded { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return hasEnded
    }
}
