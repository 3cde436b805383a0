import Foundation

/// A one-shot signal that tasks can wait on with a deadline.
final class StopSignal: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var fired = false
    private var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    private var nextKey: UInt64 = 0

    var isFired: Bool { lock.withLock { fired } }

    func fire() {
        let all: [CheckedContinuation<Bool, Never>] = lock.withLock {
            fired = true
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in all { waiter.resume(returning: true) }
    }

    /// Waits until fired or until `timeout` passes or the task is cancelled.
    /// - Returns: true when fired.
    func wait(upTo timeout: Duration) async -> Bool {
        let key: UInt64 = lock.withLock {
            nextKey += 1
            return nextKey
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let already: Bool = lock.withLock {
                    if fired || Task.isCancelled { return true }
                    waiters[key] = continuation
                    return false
                }
                if already {
                    continuation.resume(returning: isFired)
                    return
                }
                Task {
                    try? await Task.sleep(for: timeout)
                    self.resume(key, with: false)
                }
            }
        } onCancel: {
            self.resume(key, with: false)
        }
    }

    private func resume(_ key: UInt64, with value: Bool) {
        let waiter = lock.withLock { waiters.removeValue(forKey: key) }
        waiter?.resume(returning: value)
    }
}
