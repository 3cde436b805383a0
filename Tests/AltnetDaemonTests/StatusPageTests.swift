@testable import AltnetDaemon
import AltLogic
import Altstack
import DriverProtocol
import Foundation
import JSON
import Testing

/// The status page's HTML from a made-up snapshot: every section, peers grouped by transport,
/// the rescue timeline, and peer-supplied text escaped.
@Suite struct StatusPageTests {
    static func snapshot() throws -> StatusSnapshot {
        let driver = try JSONDecoder().decode(DriverSnapshot.self, from: Data("""
            {"name":"bip324","state":"ready","pid":7,"starts":1,"priority":0,"peers":[
             {"id":"1","address":"203.0.113.5:8333","direction":"outbound","transport":"v2"},
             {"id":"2","address":"198.51.100.7:8333","direction":"outbound","transport":"v1"}]}
            """.utf8))
        let anomaly = ControlMethods.AnomalyView(
            id: 4, kind: "stale-tip", category: "chain", severity: "warning", reason: "no block for <script>alert(1)</script>",
            evidence: [:], start: "2026-12-07T06:00:00Z", end: nil, open: true, outcome: "caught-up")
        let rescue: JSONValue = .object([
            "trigger": .string("anomaly"), "anomaly_id": .int(4), "started": .double(1_796_000_000), "outcome": .string("caught-up"),
            "headers_submitted": .int(20), "blocks_submitted": .int(20), "drivers": .array([.string("bip324")]),
            "first_header_ms": .double(40), "caught_up_ms": .double(400),
        ])
        return StatusSnapshot(
            now: Date(timeIntervalSince1970: 1_796_000_100), network: "regtest",
            bitcoind: .init(rpc: "127.0.0.1:18443", tip: .init(hash: "00ab", height: 25), headers: 25, tipTime: 1_796_000_000, error: nil),
            rescueState: "paused: bitcoind is in initial block download",
            drivers: [driver], openAnomalies: [anomaly], closedAnomalies: [], rescues: [rescue],
            emergency: ["pending": 1, "expired": 0], zmq: .init(messages: 5, last: 1_796_000_090))
    }

    @Test func rendersEverySection() throws {
        let html = StatusPage.render(try Self.snapshot())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<meta http-equiv=\"refresh\" content=\"5\">"))
        for id in ["bitcoind", "drivers", "anomalies", "rescues", "emergency"] { #expect(html.contains("<section id=\"\(id)\">")) }
        #expect(html.contains("id=\"tip-height\">25<") && html.contains("100 s"), "tip and its age")
        #expect(html.contains("<b>v1</b>: 198.51.100.7:8333 (outbound)<br><b>v2</b>: 203.0.113.5:8333 (outbound)"))
        #expect(html.contains("Open anomalies (1)") && html.contains("stale-tip"))
        #expect(html.contains("<li class=\"rescue\">") && html.contains("caught-up") && html.contains("over bip324"))
        #expect(html.contains("style=\"left:10%\" title=\"first header\"") && html.contains("style=\"left:100%\" title=\"caught up\""))
        #expect(html.contains("<th>pending</th><td>1</td>"))
        #expect(html.contains("<span class=\"warn\" id=\"rescue-state\">paused: bitcoind is in initial block download</span>"))
        // No scripts, no external assets: nothing the page loads from elsewhere.
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("http://") && !html.contains("https://"))
        #expect(html.contains("no block for &lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test func emptyStateSaysSo() throws {
        var s = try Self.snapshot()
        s.drivers = []
        s.openAnomalies = []
        s.rescues = []
        s.bitcoind = .init(rpc: "127.0.0.1:18443", tip: nil, headers: nil, tipTime: nil, error: "cannot connect")
        let html = StatusPage.render(s)
        #expect(html.contains("No driver configured.") && html.contains("Open anomalies (0)") && html.contains("No rescue yet."))
        #expect(html.contains("<span class=\"bad\">cannot connect</span>"))
    }

    @Test func headersAheadOfTheTipShowBlocksArriving() throws {
        var s = try Self.snapshot()
        #expect(!StatusPage.render(s).contains("headers-ahead"))
        s.bitcoind.headers = 40
        #expect(StatusPage.render(s).contains("40 <span class=\"warn\" id=\"headers-ahead\">(15 ahead of the tip: blocks still arriving)</span>"))
    }

    @Test func aRunningRescueIsShown() throws {
        var s = try Self.snapshot()
        #expect(!StatusPage.render(s).contains("rescue-running"))
        s.running = RunningRescue(trigger: "stale-tip", anomalyID: 4, started: 1_796_000_070)
        let html = StatusPage.render(s)
        #expect(html.contains("<p id=\"rescue-running\" class=\"warn\"><b>Rescue running</b>: stale-tip after anomaly #4, started"))
        #expect(html.contains("30 s so far"))
    }
}
