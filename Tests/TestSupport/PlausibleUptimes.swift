import Foundation

/// The `uptime` answers a node started after `started` may give: whole seconds, between 0 and the
/// time elapsed since then (plus one, as both ends are truncated to whole seconds).
public func plausibleUptimes(since started: Date) -> ClosedRange<Int> {
    0...(Int(Date().timeIntervalSince(started)) + 1)
}
