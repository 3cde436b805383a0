import AltLogic
import Altstack
import DriverProtocol
import Foundation
import JSON

/// What the status page shows, gathered by ``ControlMethods/statusSnapshot()``.
struct StatusSnapshot: Sendable {
    var now: Date
    var network: String
    var bitcoind: ControlMethods.BitcoindView
    /// getinfo's `rescues`: `ready`, or `paused: <why>` (bitcoind in initial block download).
    var rescueState: String
    var drivers: [DriverSnapshot]
    var openAnomalies: [ControlMethods.AnomalyView]
    /// The newest closed anomalies, newest first.
    var closedAnomalies: [ControlMethods.AnomalyView]
    /// AltLogicValidation's reports (listrescues), oldest first; empty when unavailable.
    var rescues: [JSONValue]
    /// The rescue under way, if any.
    var running: RunningRescue?
    /// Emergency transactions per queue state.
    var emergency: [String: Int]
    var zmq: ZMQActivity.Snapshot
}

/// The status page served at `/` on the metrics port: plain HTML and inline CSS, no scripts and
/// no external assets, refreshing itself every ``refreshSeconds``. Pure: a snapshot in, a page out.
enum StatusPage {
    static let refreshSeconds = 5
    /// Rescues shown in the timeline (the newest).
    static let rescueRows = 10

    static func render(_ s: StatusSnapshot) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="\(refreshSeconds)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="icon" href="data:,">
            <title>altnetd status (\(esc(s.network)))</title>
            <style>\(css)</style></head><body>
            <h1>altnetd <span class="muted">\(esc(s.network))</span></h1>
            <p class="muted">Updated \(esc(iso(s.now))); refreshes every \(refreshSeconds) s. Metrics: <a href="/metrics">/metrics</a>.</p>

            """
        html += bitcoindSection(s)
        html += driversSection(s.drivers)
        html += anomaliesSection(open: s.openAnomalies, closed: s.closedAnomalies)
        html += rescuesSection(s.rescues, running: s.running, now: s.now)
        html += emergencySection(s.emergency)
        html += "</body></html>\n"
        return html
    }

    // MARK: sections

    static func bitcoindSection(_ s: StatusSnapshot) -> String {
        var rows: [(String, String)] = [("RPC", esc(s.bitcoind.rpc))]
        if let tip = s.bitcoind.tip {
            rows.append(("Tip", "height <b id=\"tip-height\">\(tip.height)</b> <code>\(esc(tip.hash))</code>"))
            if let time = s.bitcoind.tipTime {
                let age = Int(s.now.timeIntervalSince1970) - Int(time)
                rows.append(("Tip age", "<span class=\"\(age > 3600 ? "bad" : "ok")\">\(esc(duration(age)))</span>"))
            }
            if let headers = s.bitcoind.headers {
                // Headers ahead of the tip: bitcoind knows a longer chain whose blocks are still
                // arriving (during a rescue, after submitheader and before the blocks).
                let ahead = headers - tip.height
                rows.append(("Headers", "\(headers)" + (ahead > 0
                    ? " <span class=\"warn\" id=\"headers-ahead\">(\(ahead) ahead of the tip: blocks still arriving)</span>" : "")))
            }
        }
        if let error = s.bitcoind.error { rows.append(("Error", "<span class=\"bad\">\(esc(error))</span>")) }
        let zmq = s.zmq.last.map { "\(s.zmq.messages) notifications, the last \(esc(duration(Int(s.now.timeIntervalSince1970 - $0)))) ago" }
            ?? "nothing received"
        rows.append(("ZMQ", zmq))
        rows.append(("Rescues", "<span class=\"\(s.rescueState == "ready" ? "ok" : "warn")\" id=\"rescue-state\">\(esc(s.rescueState))</span>"))
        return "<section id=\"bitcoind\"><h2>bitcoind</h2><table>"
            + rows.map { "<tr><th>\($0.0)</th><td>\($0.1)</td></tr>" }.joined() + "</table></section>\n"
    }

    static func driversSection(_ drivers: [DriverSnapshot]) -> String {
        var html = "<section id=\"drivers\"><h2>Drivers and peers</h2>"
        guard !drivers.isEmpty else { return html + "<p class=\"muted\">No driver configured.</p></section>\n" }
        html += "<table><tr><th>Driver</th><th>State</th><th>Peers by transport</th><th>Starts</th><th>Last error</th></tr>"
        for d in drivers {
            let byTransport = Dictionary(grouping: d.peers, by: { $0.transport?.rawValue ?? d.name })
                .sorted { $0.key < $1.key }
                .map { key, peers in
                    "<b>\(esc(key))</b>: " + peers.map { esc($0.address ?? $0.id) + " (\($0.direction.rawValue))" }.joined(separator: ", ")
                }.joined(separator: "<br>")
            let state = d.state == .ready ? "ok" : (d.state == .parked || d.state == .stopped ? "bad" : "warn")
            // A feed or a send-only driver says so beside its name (docs/driver-protocol.md, "Capability combinations").
            let role = d.capabilities.map(\.role).flatMap { $0 == .twoWay ? nil : " <span class=\"muted\">(\($0.rawValue))</span>" } ?? ""
            html += "<tr class=\"driver\"><td>\(esc(d.name))\(role)</td><td class=\"\(state)\">\(d.state.rawValue)</td>"
                + "<td>\(byTransport.isEmpty ? "<span class=\"muted\">none</span>" : byTransport)</td>"
                + "<td>\(d.starts)</td><td>\(esc(d.lastError ?? ""))</td></tr>"
        }
        return html + "</table></section>\n"
    }

    static func anomaliesSection(open: [ControlMethods.AnomalyView], closed: [ControlMethods.AnomalyView]) -> String {
        func row(_ a: ControlMethods.AnomalyView) -> String {
            "<tr><td>#\(a.id)</td><td class=\"\(a.open ? "bad" : "muted")\">\(esc(a.kind))</td><td>\(esc(a.severity))</td>"
                + "<td>\(esc(a.reason))</td><td>\(esc(a.start))</td><td>\(esc(a.outcome ?? ""))</td></tr>"
        }
        let head = "<tr><th>Id</th><th>Kind</th><th>Severity</th><th>Reason</th><th>Since</th><th>Rescue</th></tr>"
        var html = "<section id=\"anomalies\"><h2>Open anomalies (\(open.count))</h2>"
        html += open.isEmpty ? "<p class=\"ok\">None.</p>" : "<table>\(head)" + open.map(row).joined() + "</table>"
        if !closed.isEmpty {
            html += "<h3>Recently closed</h3><table>\(head)" + closed.map(row).joined() + "</table>"
        }
        return html + "</section>\n"
    }

    /// Each rescue as a timeline: the anomaly (or trigger), the first header, caught up; the
    /// bar's marks are placed at their share of the rescue's duration.
    static func rescuesSection(_ rescues: [JSONValue], running: RunningRescue?, now: Date) -> String {
        var html = "<section id=\"rescues\"><h2>Last rescues</h2>"
        if let running {
            let anomaly = running.anomalyID.map { " after anomaly #\($0)" } ?? ""
            let seconds = max(0, Int(now.timeIntervalSince1970 - running.started))
            html += "<p id=\"rescue-running\" class=\"warn\"><b>Rescue running</b>: \(esc(running.trigger))\(anomaly), "
                + "started \(esc(iso(Date(timeIntervalSince1970: running.started)))), \(esc(duration(seconds))) so far</p>"
        }
        guard !rescues.isEmpty else { return html + "<p class=\"muted\">No rescue yet.</p></section>\n" }
        html += "<ol class=\"timeline\">"
        for report in rescues.suffix(rescueRows).reversed() {
            guard case .object(let r) = report else { continue }
            let outcome = r["outcome"]?.stringValue ?? "?"
            let trigger = r["trigger"]?.stringValue ?? "?"
            let anomaly = r["anomaly_id"]?.intValue.map { "anomaly #\($0)" } ?? trigger
            let first = number(r["first_header_ms"])
            let caught = number(r["caught_up_ms"])
            let started = number(r["started"]).map { iso(Date(timeIntervalSince1970: $0)) } ?? ""
            let total = max(caught ?? first ?? 1, 1)
            var marks = "<span class=\"mark start\" style=\"left:0%\" title=\"\(esc(anomaly))\"></span>"
            if let first { marks += "<span class=\"mark first\" style=\"left:\(pct(first, total))%\" title=\"first header\"></span>" }
            if let caught { marks += "<span class=\"mark done\" style=\"left:\(pct(caught, total))%\" title=\"caught up\"></span>" }
            let drivers: String
            if case .array(let list)? = r["drivers"] { drivers = list.compactMap(\.stringValue).joined(separator: ", ") } else { drivers = "" }
            let counts = "\(r["headers_submitted"]?.intValue ?? 0) headers, \(r["blocks_submitted"]?.intValue ?? 0) blocks"
            html += "<li class=\"rescue\"><div><b class=\"\(outcome == "caught-up" ? "ok" : "warn")\">\(esc(outcome))</b> "
                + "after \(esc(anomaly)) (\(esc(trigger))), started \(esc(started)); \(esc(counts)) over \(esc(drivers.isEmpty ? "no driver" : drivers))</div>"
                + "<div class=\"bar\">\(marks)</div>"
                + "<div class=\"muted\">\(esc(anomaly)) &#8594; first header "
                + (first.map { String(format: "%.0f ms", $0) } ?? "-") + " &#8594; caught up "
                + (caught.map { String(format: "%.0f ms", $0) } ?? "-") + "</div></li>"
        }
        return html + "</ol></section>\n"
    }

    static func emergencySection(_ counts: [String: Int]) -> String {
        let cells = counts.sorted { $0.key < $1.key }.map { "<tr><th>\(esc($0.key))</th><td>\($0.value)</td></tr>" }.joined()
        return "<section id=\"emergency\"><h2>Emergency queue</h2><table>\(cells)</table></section>\n"
    }

    // MARK: helpers

    static let css = """
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
        h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.4em;border-bottom:1px solid #ddd}
        table{border-collapse:collapse}th,td{text-align:left;padding:.2em .8em .2em 0;vertical-align:top}
        code{font-size:.9em}.muted{color:#777}.ok{color:#1a7f37}.warn{color:#9a6700}.bad{color:#cf222e}
        .timeline{padding-left:1.2em}.rescue{margin-bottom:.8em}
        .bar{position:relative;height:8px;background:#e5e5e5;border-radius:4px;margin:.3em 0;max-width:40em}
        .mark{position:absolute;top:-3px;width:14px;height:14px;border-radius:7px;margin-left:-7px}
        .start{background:#cf222e}.first{background:#9a6700}.done{background:#1a7f37}
        """

    /// HTML-escapes text (every value that comes from bitcoind, a driver or a peer).
    static func esc(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    static func duration(_ seconds: Int) -> String {
        let s = max(0, seconds)
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86400) days"
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let i)?: Double(i)
        case .double(let d)?: d
        default: nil
        }
    }

    static func pct(_ part: Double, _ total: Double) -> Int { Int((min(max(part / total, 0), 1) * 100).rounded()) }
}
