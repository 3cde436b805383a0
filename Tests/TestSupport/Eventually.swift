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
