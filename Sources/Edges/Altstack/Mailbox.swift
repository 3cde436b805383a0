import Foundation

/// A small multi-producer, single-consumer queue. `next()` returns nil once the mailbox is closed
/// and drained, or when the consuming task is cancelled: the feeding loop of a driver process
/// ends with it, and a new process gets a new mailbox (see TOOLCHAIN.md on AsyncStream restarts).
///
/// Bounded use: ``push(waiting:)`` suspends its producer while the queue holds `maxCost` or more
/// (an empty queue always admits one element, however large), so a producer that reads a pipe
/// stops reading and the pipe pushes back on the writer. ``push(_:)`` never waits.
final class Mailbox<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property is guarded by `lock`.
    private let lock = NSLock()
    /// Taken slots are set to nil at once: a consumed line must not stay referenced until the
    /// array is compacted (with 8 MB lines that held hundreds of megabytes).
    private var items: [Element?] = []
    private var head = 0
    private var waiter: CheckedContinuation<Element?, Never>?
    private var producers: [CheckedContinuation<Void, Never>] = []
    private var closed = false
    private var queuedCost = 0
    private let maxCost: Int
    private let cost: @Sendable (Element) -> Int

    /// - Parameters:
    ///   - maxCost: the cost at which ``push(waiting:)`` waits; `.max` for unbounded.
    ///   - cost: an element's cost (bytes, say); 1 by default.
    init(maxCost: Int = .max, cost: @escaping @Sendable (Element) -> Int = { _ in 1 }) {
        self.maxCost = maxCost
        self.cost = cost
    }

    /// Elements queued and their total cost.
    var depth: (count: Int, cost: Int) { lock.withLock { (items.count - head, queuedCost) } }

    /// Queues an element.
    /// - Returns: false when the mailbox is closed (the element is dropped).
    @discardableResult
    func push(_ element: Element) -> Bool {
        let price = cost(element)
        let resume: CheckedContinuation<Element?, Never>? = lock.withLock {
            if closed { return nil }
            if let waiter {
                self.waiter = nil
                return waiter
            }
            items.append(element)
            queuedCost += price
            return nil
        }
        if let resume {
            resume.resume(returning: element)
            return true
        }
        return lock.withLock { !closed }
    }

    /// Waits until the queue is below its bound, then queues the element.
    /// - Returns: false when the mailbox is closed (the element is dropped); true when queued.
    /// - Note: the wait ends when the consumer takes elements or the mailbox closes.
    func push(waiting element: Element) async -> Bool {
        while true {
            let full: Bool = lock.withLock { !closed && head < items.count && queuedCost >= maxCost }
            if !full { return push(element) }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let stillFull: Bool = lock.withLock {
                    guard !closed, head < items.count, queuedCost >= maxCost else { return false }
                    producers.append(continuation)
                    return true
                }
                if !stillFull { continuation.resume() }
            }
        }
    }

    /// Closes the mailbox; queued elements are still delivered, then `next()` returns nil.
    func close() {
        let (resume, blocked): (CheckedContinuation<Element?, Never>?, [CheckedContinuation<Void, Never>]) = lock.withLock {
            closed = true
            defer {
                waiter = nil
                producers = []
            }
            return (items.count > head ? nil : waiter, producers)
        }
        resume?.resume(returning: nil)
        for producer in blocked { producer.resume() }
    }

    /// The next element, or nil when closed and drained or when the task is cancelled.
    func next() async -> Element? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                var released: [CheckedContinuation<Void, Never>] = []
                let result: Element?? = lock.withLock {
                    if head < items.count, let element = items[head] {
                        items[head] = nil
                        head += 1
                        queuedCost -= cost(element)
                        if head > 1024 && head * 2 > items.count {
                            items.removeFirst(head)
                            head = 0
                        }
                        if head == items.count {
                            items.removeAll(keepingCapacity: false)
                            head = 0
                            queuedCost = 0
                        }
                        if queuedCost < maxCost {
                            released = producers
                            producers = []
                        }
                        return .some(element)
                    }
                    if closed || Task.isCancelled { return .some(nil) }
                    waiter = continuation
                    return nil
                }
                for producer in released { producer.resume() }
                if let result { continuation.resume(returning: result) }
            }
        } onCancel: {
            let (resume, blocked): (CheckedContinuation<Element?, Never>?, [CheckedContinuation<Void, Never>]) = lock.withLock {
                closed = true
                defer {
                    waiter = nil
                    producers = []
                }
                return (waiter, producers)
            }
            resume?.resume(returning: nil)
            for producer in blocked { producer.resume() }
        }
    }
}
