import Foundation
import TestSupport
import Testing

/// docs/grafana/altnet-dashboard.json against the metrics docs/altnetd.md documents: every
/// metric a panel queries exists, every documented metric has a panel, and the JSON is a
/// dashboard Grafana imports (panels with ids, grid positions, a Prometheus datasource variable).
@Suite struct GrafanaDashboardTests {
    static func documentedMetrics() throws -> Set<String> {
        let doc = try String(contentsOf: SharedData.packageRoot.appendingPathComponent("docs/altnetd.md"), encoding: .utf8)
        let rows = doc.split(separator: "\n").filter { $0.hasPrefix("| `altnet_") }
        return Set(rows.compactMap { row in
            row.split(separator: "`").dropFirst().first.map(String.init)
        })
    }

    static func queriedMetrics(_ dashboard: [String: Any]) throws -> Set<String> {
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let exprs = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        let pattern = try NSRegularExpression(pattern: "altnet_[a-z_]+")
        var names = Set<String>()
        for expr in exprs {
            for match in pattern.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                var name = String(expr[Range(match.range, in: expr)!])
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && !name.hasSuffix("_total") {
                    name = String(name.dropLast(suffix.count))
                }
                names.insert(name)
            }
        }
        return names
    }

    @Test func panelsMatchTheDocumentedMetrics() throws {
        let data = try Data(contentsOf: SharedData.packageRoot.appendingPathComponent("docs/grafana/altnet-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let documented = try Self.documentedMetrics()
        #expect(documented.count >= 11, "metrics tables not found in docs/altnetd.md: \(documented)")
        let queried = try Self.queriedMetrics(dashboard)
        #expect(queried.subtracting(documented).isEmpty, "queried but not documented: \(queried.subtracting(documented))")
        #expect(documented.subtracting(queried).isEmpty, "documented but no panel: \(documented.subtracting(queried))")

        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(Set(panels.compactMap { $0["id"] as? Int }).count == panels.count, "panel ids must be unique")
        for panel in panels {
            let grid = try #require(panel["gridPos"] as? [String: Int])
            #expect((grid["x"] ?? 99) + (grid["w"] ?? 99) <= 24, "\(panel["title"] ?? "?") overflows the 24-column grid")
        }
        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        #expect(variables.contains { $0["name"] as? String == "datasource" && $0["query"] as? String == "prometheus" })
    }
}
