import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSONSchema
import Logging

/// The `schema-valid` check: every message against its JSON Schema (docs/schemas).
extension DriverConformance {
    static func loadSchemas(_ options: Options) -> Result<(DriverSchemas, URL), SchemaError> {
        guard let directory = options.schemaDirectory ?? DriverSchemas.locateDirectory() else {
            return .failure(SchemaError("docs/schemas not found (set ALTNET_SCHEMAS or pass --schemas)"))
        }
        do {
            return .success((try DriverSchemas(directory: directory), directory.standardizedFileURL))
        } catch let error as SchemaError {
            return .failure(error)
        } catch {
            return .failure(SchemaError("\(directory.path): \(error)"))
        }
    }

    /// Problems kept per run (a driver flooding bad lines costs no more than this).
    static let maxProblems = 100

    /// Notifications a driver may send.
    static let driverNotifications: Set<String> = [Methods.peerConnected, Methods.peerDisconnected, Methods.messageReceived]
    /// Requests a driver may send to the core.
    static let driverRequests: Set<String> = [Methods.signerECDH]

    /// Every line the driver wrote and every line the suite sent, each against the JSON Schema
    /// of its message (docs/schemas); then what a schema cannot say (a `messagereceived`
    /// outside the declared capabilities).
    /// - Returns: one line per problem, each naming the message and the instance path.
    static func schemaProblems(_ session: ConformanceSession, capabilities: TransportCapabilities?, schemas: DriverSchemas) -> [String] {
        var problems: [String] = []
        func check(_ line: [UInt8], as name: String, _ direction: String) {
            guard problems.count < maxProblems else { return }
            guard let violations = schemas.violations(of: line, as: name) else {
                problems.append("\(direction) \(name): no schema for this message")
                return
            }
            for violation in violations.prefix(3) { problems.append("\(direction) \(name): \(violation)") }
        }
        for frame in session.allFrames where problems.count < maxProblems {
            switch frame.kind {
            case .result(let id):
                guard let method = session.method(of: id) else {
                    problems.append("answer to id \(id), which was never sent")
                    continue
                }
                if method == unknownMethodName { continue }  // its own check (unknown-method) fails
                check(frame.bytes, as: "\(method).response", "received")
            case .error:
                check(frame.bytes, as: "error.response", "received")
            case .notification(let method):
                guard driverNotifications.contains(method) else {
                    problems.append("unknown notification \(method)")
                    continue
                }
                check(frame.bytes, as: "\(method).notification", "received")
                if method == Methods.messageReceived, let capabilities,
                   let message = try? frame.params(as: MessageReceived.self).message, !capabilities.permits(command: message.command) {
                    problems.append("delivered \(message.command), outside its declared capabilities")
                }
            case .request(_, let method):
                guard driverRequests.contains(method) else {
                    problems.append("unknown driver request \(method)")
                    continue
                }
                check(frame.bytes, as: "\(method).request", "received")
            }
        }
        for (name, line) in session.allSentLines where name != "\(unknownMethodName).request" {
            check(line, as: name, "sent")
        }
        return problems
    }
}
