import AltnetControl
import DriverProtocol
import Foundation
import HTTPService
import JSON

extension ControlMethods {
    /// Everything the status page shows, from the same sources as getinfo, listdrivers,
    /// listanomalies and listrescues.
    func statusSnapshot() async -> StatusSnapshot {
        let info = await getInfo()
        let anomalies = await anomalies()
        var rescues: [JSONValue] = []
        if case .array(let list)? = try? await logic.rescues() { rescues = list }
        return StatusSnapshot(now: Date(), network: info.network, bitcoind: info.bitcoind, rescueState: info.rescues,
                              drivers: altstack.snapshot(),
                              openAnomalies: anomalies.open, closedAnomalies: Array(anomalies.closed.suffix(10).reversed()),
                              rescues: rescues, running: info.rescueRunning, emergency: info.emergency, zmq: zmq.snapshot)
    }

    /// `GET /` on the metrics port: the status page.
    func statusResponse() async -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8",
                     body: Array(StatusPage.render(await statusSnapshot()).utf8))
    }
}
