import Altstack
import DriverConformance
import DriverProtocol
import Foundation
import JSON
import Testing
import TestSupport

/// The schemas are at least as strict as the Swift types: whatever passes check-driver's schema
/// check also decodes where altnetd reads it (otherwise a driver could pass check-driver and
/// then be refused by altnetd). Every message of `SchemaTests.swiftMessages()` is mutated at
/// random places with values of every JSON type; each mutant the schema accepts must decode.
@Suite struct SchemaStrictnessTests {
    /// Decodes a line as altnetd (or a driver, for core requests) reads that message.
    static func decodes(_ line: [UInt8], as name: String) -> Bool {
        guard let frame = try? RPCCodec.parse(line) else { return false }
        do throws(DriverProtocolError) {
            switch name {
            case "getmanifest.request": _ = try frame.params(as: GetManifestParams.self)
            case "getmanifest.response": _ = try frame.result(as: Manifest.self)
            case "init.request": _ = try frame.params(as: InitParams.self)
            case "sendmessage.request": _ = try frame.params(as: SendMessageParams.self)
            case "sendmessage.response": _ = try frame.result(as: SendMessageResult.self)
            case "listpeers.response": _ = try frame.result(as: ListPeersResult.self)
            case "broadcasttx.request": _ = try frame.params(as: BroadcastTxParams.self)
            case "broadcasttx.response": _ = try frame.result(as: BroadcastTxResult.self)
            case "disconnectpeer.request": _ = try frame.params(as: DisconnectPeerParams.self)
            case "peerconnected.notification": _ = try frame.params(as: PeerConnected.self)
            case "peerdisconnected.notification": _ = try frame.params(as: PeerDisconnected.self)
            case "messagereceived.notification": _ = try frame.params(as: MessageReceived.self)
            case "signer.ecdh.request": _ = try frame.params(as: ECDHParams.self)
            case "signer.ecdh.response": _ = try frame.result(as: ECDHResult.self)
            case "error.response":
                guard case .error = frame.kind else { return false }
            case let other where other.hasSuffix(".request"): _ = try frame.params(as: EmptyObject.self)
            default: _ = try frame.result(as: EmptyObject.self)
            }
            return true
        } catch {
            return false
        }
    }

    /// Every path to a value in `value`.
    static func paths(_ value: JSONValue, _ prefix: [String] = []) -> [[String]] {
        switch value {
        case .object(let members): return [prefix] + members.keys.sorted().flatMap { paths(members[$0] ?? .null, prefix + [$0]) }
        case .array(let items): return [prefix] + items.indices.flatMap { paths(items[$0], prefix + [String($0)]) }
        default: return [prefix]
        }
    }

    static func replacing(_ value: JSONValue, at path: ArraySlice<String>, with new: JSONValue) -> JSONValue {
        guard let first = path.first else { return new }
        switch value {
        case .object(var members):
            members[first] = replacing(members[first] ?? .null, at: path.dropFirst(), with: new)
            return .object(members)
        case .array(var items):
            guard let index = Int(first), items.indices.contains(index) else { return value }
            items[index] = replacing(items[index], at: path.dropFirst(), with: new)
            return .array(items)
        default:
            return value
        }
    }

    @Test func everyMutantTheSchemaAcceptsDecodes() throws {
        let schemas = try DriverSchemas(directory: URL(fileURLWithPath: DriverFixtures.packageFile("docs/schemas")))
        let replacements: [JSONValue] = [
            .null, .bool(true), .int(0), .int(-1), .int(70000), .int(Int64.max), .double(1.5), .double(1e300),
            .string(""), .string("x"), .string("00"), .string("headers"), .array([]), .array([.string("headers")]),
            .object([:]), .object(["extra": .int(1)]),
        ]
        var accepted = 0, mutants = 0
        for (name, line) in try SchemaTests.swiftMessages() {
            let original = try JSONDecoder().decode(JSONValue.self, from: Data(line))
            for path in Self.paths(original) {
                for replacement in replacements {
                    let mutant = Self.replacing(original, at: path[...], with: replacement)
                    let bytes = Array(try JSONEncoder().encode(mutant))
                    mutants += 1
                    guard schemas.violations(of: bytes, as: name)?.isEmpty == true else { continue }
                    accepted += 1
                    #expect(Self.decodes(bytes, as: name), "\(name): schema-valid but not decodable: \(String(decoding: bytes, as: UTF8.self))")
                }
            }
        }
        // Both outcomes occur: the property is exercised, not vacuous.
        #expect(mutants > 3000 && accepted > 100 && accepted < mutants / 2, "\(accepted) of \(mutants) accepted")
    }
}
