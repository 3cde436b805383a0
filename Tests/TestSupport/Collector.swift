import Foundation

/// Collects values from another task; tests wait on a condition with a deadline.
public final class Collector<T: Sendable>: @unchecked Sendable {
    // @unchecked: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [T] = []

    public init() {}

    public func append(_ item: T) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }

    public func removeAll() {
        lock.lock()
        items.removeAll()
        lock.unlock()
    }

    public var snapshot: [T] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }

    /// Waits until `condition` holds on the collected values or `timeout` passes.
    /// - Returns: the values at that moment.
    @discardableResult
    public func wait(timeout: Double, until condition: ([T]) -> Bool) async -> [T] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let now = snapshot
            if condition(now) { return now }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return snapshot
    }
}
