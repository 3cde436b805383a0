import Metrics

/// AltLogic's swift-metrics instruments (altnetd bootstraps Prometheus).
enum AltLogicMetrics {
    /// Rescues and cross-checks by outcome kind (``RescueOutcome/kind``).
    static func rescue(outcome: String, trigger: String) {
        Counter(label: "altnet_rescues_total", dimensions: [("outcome", outcome), ("trigger", trigger)]).increment()
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
        Timer(label: "altnet_rescue_duration_seconds", dimensions: [("outcome", outcome)]).recordNanoseconds(nanoseconds)
    }

    /// Peers demoted for withholding a better chain.
    static func demoted() {
        Counter(label: "altnet_peers_demoted_total").increment()
    }

    /// Rescues retried while their anomaly stays open.
    static func retried(outcome: String) {
        Counter(label: "altnet_rescue_retries_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// Requests peers made through the drivers, by command.
    static func served(command: String, driver: String) {
        Counter(label: "altnet_serving_requests_total", dimensions: [("command", command), ("driver", driver)]).increment()
    }

    /// Messages a broadcast feed pushed unasked, by driver and outcome (`kept`: its window
    /// changed; `ignored`: a repeat or unreadable).
    static func feedPush(driver: String, kept: Bool) {
        Counter(label: "altnet_feed_messages_total", dimensions: [("driver", driver), ("outcome", kept ? "kept" : "ignored")]).increment()
    }
}
