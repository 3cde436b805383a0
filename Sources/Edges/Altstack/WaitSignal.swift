import Foundation

/// A signal tasks wait on with a deadline, in one of two kinds:
/// - `.latching` (a stop): once fired it stays fired, and every wait returns at once;
/// - `.resetting` (a wake-up): ``fire()`` ends the waits in progress, or the next wait when none
///   is in progress; a wait that consumes it resets it.
final class WaitSignal: @unchecked Sendable {
    // @unchecked: every stored property but `kind` is guarded by `lock`.
    enum Kind { case latching, resetting }

    let kind: Kind
    private let lock = NSLock()
    private var fired = false
    private var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    private var nextKey: UInt64 = 0

    init(_ kind: Kind) { self.kind = kind }

    /// Whether it is fired (for a resetting signal: fired and not yet consumed).
    var isFired: Bool { lock.withLock { fired } }

    func fire() {
        let all: [CheckedContinuation<Bool, Never>] = lock.withLock {
            // A resetting signal fired while waits are in progress is consumed by them.
            fired = kind == .latching || waiters.isEmpty
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in all { waiter.resume(returning: true) }
    }

    /// Forgets a wake-up nobody waited for (a latching signal stays fired).
    func reset() { lock.withLock { if kind == .resetting { fired = false } } }

    /// Waits until fired, `timeout` passes, or the task is cancelled.
    /// - Returns: true when fired.
    func wait(upTo timeout: Duration) async -> Bool {
        let key: UInt64 = lock.withLock {
            nextKey += 1
            return nextKey
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let already: Bool? = lock.withLock {
                    if fired {
                        if kind == .resetting { fired = false }
                        return true
                    }
                    if Task.isCancelled { return false }
                    waiters[key] = continuation
                    return nil
                }
                if let already {
                    continuation.resume(returning: already)
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
