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

    init(pipe: DriverPipe) { self.pipe = pipe }

    /// Reads the pipe until end of output.
    func collect() async {
        while let event = await pipe.next() {
            lock.withLock {
                switch event {
                case .oversized(let count): oversized.append(count)
                case .line(let bytes):
                    if let frame = try? RPCCodec.parse(bytes) {
                        frames.append(frame)
                    } else {
                        noise.append(String(decoding: bytes.prefix(120), as: UTF8.self))
                    }
                }
            }
        }
        lock.withLock { ended = true }
    }

    var hasEnded: Bool { lock.withLock { ended } }
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
    /// - Returns: the answer, or nil on timeout or when the driver's output ended.
    func request<P: Encodable>(_ method: String, _ params: P, timeout: Duration) async -> RPCFrame? {
        let id = freshID()
        guard let line = try? RPCCodec.request(id: id, method: method, params: params) else { return nil }
        lock.withLock { sentMethods[id] = method }
        pipe.send(line)
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

    /// Records a request sent without waiting (concurrency check).
    func sent(_ id: RPCID, method: String) { lock.withLock { sentMethods[id] = method } }

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
