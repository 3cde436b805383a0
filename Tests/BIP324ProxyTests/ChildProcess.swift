import TestSupport

/// The proxy tests' children (the proxy, the Python peers and v1 clients) report in JSON lines.
typealias ChildProcess = JSONLinesChild

extension JSONLinesChild {
    /// Waits for the event `name`; an `error` event from the child fails at once.
    @discardableResult
    func waitFor(event name: String, timeout: Duration = .seconds(40)) async throws -> [String: Any] {
        try await waitFor(timeout: timeout) { $0["event"] as? String == name || $0["event"] as? String == "error" }
            .checkedEvent(name)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Throws when this is an `error` event instead of `name`.
    func checkedEvent(_ name: String) throws -> [String: Any] {
        if self["event"] as? String == "error", name != "error" {
            throw JSONLinesChild.Failure(description: "child reported an error: \(self["error"] ?? "?")")
        }
        return self
    }
}
