import Foundation

/// A small multi-producer, single-consumer queue. `next()` returns nil once the mailbox is closed
/// and drained, or when the consuming task is cancelled: the feeding loop of a driver process
/// ends with it, and a new process gets a new mailbox (see TOOLCHAIN.md on AsyncStream restarts).
final class Mailbox<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `lock`.
    private let lock = NSLock()
    private var items: [Element] = []
    private var head = 0
    private var waiter: CheckedContinuation<Element?, Never>?
    private var closed = false

    /// Queues an element.
    /// - Returns: false when the mailbox is closed (the element is dropped).
    @discardableResult
    func push(_ element: Element) -> Bool {
        let resume: CheckedContinuation<Element?, Never>? = lock.withLock {
            if closed { return nil }
            if let waiter {
                self.waiter = nil
                return waiter
            }
            items.append(element)
            return nil
        }
        if let resume {
            resume.resume(returning: element)
            return true
        }
        return lock.withLock { !closed }
    }

    /// Closes the mailbox; queued elements are still delivered, then `next()` returns nil.
    func close() {
        let resume: CheckedContinuation<Element?, Never>? = lock.withLock {
            closed = true
            defer { waiter = nil }
            return items.count > head ? nil : waiter
        }
        resume?.resume(returning: nil)
    }

    /// The next element, or nil when closed and drained or when the task is cancelled.
    func next() async -> Element? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let result: Element?? = lock.withLock {
                    if head < items.count {
                        let element = items[head]
                        head += 1
                        if head > 1024 && head * 2 > items.count {
                            items.removeFirst(head)
                            head = 0
                        }
                        return .some(element)
                    }
                    if closed || Task.isCancelled { return .some(nil) }
                    waiter = continuation
                    return nil
                }
                if let result { continuation.resume(returning: result) }
            }
        } onCancel: {
            let resume: CheckedContinuation<Element?, Never>? = lock.withLock {
                closed = true
                defer { waiter = nil }
                return waiter
            }
            resume?.resume(returning: nil)
        }
    }
}
