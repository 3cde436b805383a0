import Metrics

/// AltLogic's swift-metrics instruments (altnetd bootstraps Prometheus).
enum AltLogicMetrics {
    /// Rescues and cross-checks by outcome (the text before any `:`).
    static func rescue(outcome: String, trigger: String) {
        let kind = outcome.split(separator: ":").first.map(String.init) ?? outcome
        Counter(label: "altnet_rescues_total", dimensions: [("outcome", kind), ("trigger", trigger)]).increment()
    }

    /// Headers received over the drivers, by driver.
    static func headersFetched(_ count: Int, driver: String) {
        Counter(label: "altnet_headers_fetched_total", dimensions: [("driver", driver)]).increment(by: count)
    }

    /// Blocks received over the drivers, by driver.
    static func blockFetched(driver: String) {
        Counter(label: "altnet_blocks_fetched_total", dimensions: [("driver", driver)]).increment()
    }

    /// Rescue duration (start to outcome).
    static func rescueDuration(nanoseconds: Int64, outcome: String) {
        let kind = outcome.split(separator: ":").first.map(String.init) ?? outcome
        Timer(label: "altnet_rescue_duration_seconds", dimensions: [("outcome", kind)]).recordNanoseconds(nanoseconds)
    }

    /// Requests peers made through the drivers, by command.
    static func served(command: String, driver: String) {
        Counter(label: "altnet_serving_requests_total", dimensions: [("command", command), ("driver", driver)]).increment()
    }
}
