import Foundation

/// Runs blocking work (a child process's pipes, a blocking socket, `waitUntilExit`) on a thread of
/// its own and awaits the result.
///
/// Swift's cooperative pool has one thread per core (two on CI). A test that blocks one of them
/// starves every other test running in parallel, including ones with timing expectations, so
/// every blocking wait in a test goes through here.
/// - Parameter body: the blocking work.
/// - Returns: what `body` returns.
/// - Throws: what `body` throws.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.start()
    }
}
