import AltnetControl
import DriverProtocol
import Foundation
import JSON

/// `altnet-cli doctor`: asks altnetd for its checks and prints one line each.
enum DoctorOutput {
    /// - Returns: the exit status: 1 when a check failed or altnetd cannot be asked.
    static func run(client: ControlClient, dataDir: String) -> Int32 {
        let result: JSONValue
        do {
            result = try client.call("doctor")
        } catch {
            let fix: String
            switch error.kind {
            case .notRunning: fix = "start it: `altnetd --datadir \(dataDir)` (or `systemctl start altnetd`)"
            case .permissionDenied, .cookieUnreadable: fix = "run altnet-cli as the user altnetd runs as (or root)"
            default: fix = "check altnetd's log"
            }
            print(DoctorCheck("altnetd", .fail, error.message, fix: fix).line)
            return 1
        }
        guard let data = try? JSONEncoder().encode(result),
              let checks = try? JSONDecoder().decode([DoctorCheck].self, from: data) else {
            FileHandle.standardError.write(Data("altnetd's doctor reply is not a list of checks\n".utf8))
            return 1
        }
        print(DoctorCheck("altnetd", .ok, "running, control socket \(dataDir)/\(ControlClient.socketName)").line)
        print(DoctorCheck.render(checks))
        return DoctorCheck.exitStatus(checks)
    }
}
