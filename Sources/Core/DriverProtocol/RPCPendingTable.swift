import Foundation

/// Matches answers to outstanding requests by id, with a deadline per request. Shared by the
/// core side (Altstack) and the driver side (DriverKit); holds no I/O, the caller passes the send.
public final class RPCPendingTable: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `lock`.
    private let lock = NSLock()
    private var counter: Int64 = 0
    private var waiters: [RPCID: CheckedContinuation<RPCFrame, any Error>] = [:]
    private var timers: [RPCID: Task<Void, Never>] = [:]
    private var closedWith: DriverProtocolError?

    public init() {}

    /// Requests awaiting an answer.
    public var count: Int { lock.withLock { waiters.count } }

    /// Sends a request and waits for its answer.
    /// - Parameters:
    ///   - timeout: how long to wait for the answer.
    ///   - send: encodes and sends the request line for the given id; returns false when it could not be sent.
    /// - Returns: the answer frame (`result` kind; error answers are thrown).
    /// - Throws: ``DriverProtocolError``: the remote error, `timeout`, or the error the table was
    ///   closed with (e.g. `driverUnavailable`).
    public func call(
        timeout: Duration, send: @escaping @Sendable (RPCID) async -> Bool
    ) async throws(DriverProtocolError) -> RPCFrame {
        let id: RPCID = lock.withLock {
            counter += 1
            return .number(counter)
        }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RPCFrame, any Error>) in
                    let closed: DriverProtocolError? = lock.withLock {
                        if let closedWith { return closedWith }
                        waiters[id] = continuation
                        return nil
                    }
                    if let closed {
                        continuation.resume(throwing: closed)
                        return
                    }
                    Task {
                        if !(await send(id)) {
                            self.fail(id, DriverProtocolError(.driverUnavailable, "could not write the request"))
                        }
                    }
                    let timer = Task {
                        guard (try? await Task.sleep(for: timeout)) != nil else { return }
                        self.fail(id, DriverProtocolError(.timeout, "no answer within \(timeout)"))
                    }
                    let stillWaiting = lock.withLock {
                        guard waiters[id] != nil else { return false }
                        timers[id] = timer
                        return true
                    }
                    if !stillWaiting { timer.cancel() }
                }
            } onCancel: {
                self.fail(id, DriverProtocolError(.shuttingDown, "request cancelled"))
            }
        } catch let error as DriverProtocolError {
            throw error
        } catch {
            throw DriverProtocolError(.internalError, "\(error)")
        }
    }

    /// Delivers an answer.
    /// - Parameter frame: a `result` or `error` frame.
    /// - Returns: false when no request with that id is outstanding (a late or stray answer).
    @discardableResult
    public func resolve(_ frame: RPCFrame) -> Bool {
        switch frame.kind {
        case .result(let id):
            guard let waiter = take(id) else { return false }
            waiter.resume(returning: frame)
            return true
        case .error(let id?, let error):
            guard let waiter = take(id) else { return false }
            waiter.resume(throwing: error)
            return true
        default:
            return false
        }
    }

    /// Fails every outstanding request and every later one.
    /// - Parameter error: the error they fail with.
    public func close(_ error: DriverProtocolError) {
        let all: [CheckedContinuation<RPCFrame, any Error>] = lock.withLock {
            closedWith = error
            for timer in timers.values { timer.cancel() }
            timers = [:]
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in all { waiter.resume(throwing: error) }
    }

    private func fail(_ id: RPCID, _ error: DriverProtocolError) {
        take(id)?.resume(throwing: error)
    }

    private func take(_ id: RPCID) -> CheckedContinuation<RPCFrame, any Error>? {
        lock.withLock {
            timers.removeValue(forKey: id)?.cancel()
            return waiters.removeValue(forKey: id)
        }
    }
}
