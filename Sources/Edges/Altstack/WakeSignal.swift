import Foundation

/// A reusable wake-up: ``fire()`` ends the current ``wait(upTo:)`` calls, or the next one when
/// none is waiting. Unlike ``StopSignal`` it resets once a wait has consumed it.
final class WakeSignal: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var pending = false
    private var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    private var nextKey: UInt64 = 0

    func fire() {
        let all: [CheckedContinuation<Bool, Never>] = lock.withLock {
            if waiters.isEmpty {
                pending = true
                return []
            }
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in all { waiter.resume(returning: true) }
    }

    /// Forgets a wake-up nobody waited for.
    func reset() { lock.withLock { pending = false } }

    /// Waits until fired, `timeout` passes, or the task is cancelled.
    /// - Returns: true when fired.
    func wait(upTo timeout: Duration) async -> Bool {
        let key: UInt64 = lock.withLock {
            nextKey += 1
            return nextKey
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let already: Bool = lock.withLock {
                    if pending {
                        pending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    waiters[key] = continuation
                    return false
                }
                if already {
                    continuation.resume(returning: !Task.isCancelled)
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
