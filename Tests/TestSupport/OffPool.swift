import Foundation

/// Runs blocking work (a child process's pipes, a blocking socket, `waitUntilExit`, a long CPU-bound
/// simulation) on a thread of its own and awaits the result.
///
/// Swift's cooperative pool has one thread per core (two on CI). A test that blocks one of them
/// starves every other test, including ones with timing expectations, so every blocking wait in a
/// test goes through here.
/// - Parameters:
///   - background: run at the lowest CPU priority (long simulations), so timing-sensitive work
///     beside it on 2 cores is not starved.
///   - body: the blocking work.
/// - Returns: what `body` returns.
/// - Throws: what `body` throws.
public func offPool<T>(background: Bool = false, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    let box: UncheckedBox<T> = try await withCheckedThrowingContinuation { continuation in
        Thread {
            #if os(Linux)
            // Linux keeps nice values per thread: who = 0 is this thread only.
            if background { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19) }
            #endif
            do { continuation.resume(returning: UncheckedBox(try body())) } catch { continuation.resume(throwing: error) }
        }.start()
    }
    return box.value
}

/// Carries a non-Sendable value (a process handle) from the thread that made it to the test.
public struct UncheckedBox<T>: @unchecked Sendable {
    // @unchecked: the value is handed over once and then used by the receiving task only.
    public let value: T
    public init(_ value: T) { self.value = value }
}
