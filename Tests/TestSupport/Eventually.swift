/// Polls `condition` until it holds or `timeout` passes: the tests' one way to wait for something
/// another task or process will do.
/// - Parameters:
///   - timeout: how long to wait; only a failing test waits it out, so leave room for a loaded
///     2-core machine.
///   - interval: the pause between polls (longer where the condition itself is costly, such as
///     running `altnet-cli`).
///   - condition: checked at once, every `interval`, and once more at the deadline.
/// - Returns: whether the condition held.
@discardableResult
public func eventually(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(10),
    _ condition: () async -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return await condition()
}

/// Polls `lines` until one contains every one of `parts` (a log line a test waits for).
/// - Returns: that line, or nil when `timeout` passes first.
public func firstLine(containing parts: [String], timeout: Duration, _ lines: () -> [String]) async -> String? {
    var hit: String?
    await eventually(timeout: timeout, every: .milliseconds(20)) {
        hit = lines().first { line in parts.allSatisfy { line.contains($0) } }
        return hit != nil
    }
    return hit
}
