import Altstack
import DriverConformance
import DriverProtocol
import Foundation
import Testing
import TestSupport

/// The JSON Schemas in docs/schemas are the contract: every message the Swift types produce, and
/// every line the Python example driver writes, must validate against them (checked by the
/// `jsonschema` package through integration/driver_schema_check.py).
@Suite struct SchemaTests {
    /// Validates (schema, message line) pairs; returns the error list per pair.
    private func validate(_ items: [(String, [UInt8])]) throws -> [[String]] {
        var input = Data()
        for (schema, line) in items {
            var trimmed = line
            if trimmed.last == 0x0A { trimmed.removeLast() }
            input.append(Data("{\"schema\":\"\(schema)\",\"message\":".utf8))
            input.append(Data(trimmed))
            input.append(Data("}\n".utf8))
        }
        let output = try Self.run(try DriverFixtures.python(), [DriverFixtures.packageFile("integration/driver_schema_check.py")], input: input)
        let lines = output.split(separator: 0x0A)
        try #require(lines.count == items.count, "validator answered \(lines.count) of \(items.count): \(String(decoding: output, as: UTF8.self))")
        return try lines.map { line in
            let answer = try JSONDecoder().decode(Answer.self, from: Data(line))
            return answer.ok ? [] : answer.errors
        }
    }

    private struct Answer: Decodable {
        let ok: Bool
        let errors: [String]
    }

    /// Runs a program with `input` on its stdin until it exits.
    /// - Returns: its stdout.
    static func run(_ executable: String, _ arguments: [String], input: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(executable) exited with \(process.terminationStatus)")
        return data
    }

    private static let capabilities = TransportCapabilities(
        send: true, receive: true, messageKinds: [.headers, .transactions], encrypted: true, authenticatedPeer: true,
        latency: .medium, bandwidth: .low, privacy: .high)

    /// One message of every kind, as the Swift types encode it.
    static func swiftMessages() throws -> [(String, [UInt8])] {
        let id = RPCID.number(1)
        let peer = PeerInfo(id: "p1", address: "127.0.0.1:8333", direction: .outbound)
        let message = DriverP2PMessage(command: "getheaders", payload: "0011aa")
        let manifest = Manifest(
            name: "bip324", version: "0.1.0", protocolVersion: 1, capabilities: capabilities,
            options: [OptionSpec(name: "connect", type: .strings, description: "peers", defaultValue: .array([]))])
        return [
            ("getmanifest.request", try RPCCodec.request(id: id, method: Methods.getManifest, params: GetManifestParams())),
            ("getmanifest.response", try RPCCodec.result(id: id, manifest)),
            ("init.request", try RPCCodec.request(id: id, method: Methods.initialize, params: InitParams(
                network: "regtest", chain: .regtest, options: ["connect": .array([.string("1.2.3.4:8333")]), "n": .int(3)], dataDir: "/tmp/x"))),
            ("init.response", try RPCCodec.result(id: id, EmptyObject())),
            ("ping.request", try RPCCodec.request(id: .string("hb-1"), method: Methods.ping, params: EmptyObject())),
            ("ping.response", try RPCCodec.result(id: id, EmptyObject())),
            ("shutdown.request", try RPCCodec.request(id: id, method: Methods.shutdown, params: EmptyObject())),
            ("shutdown.response", try RPCCodec.result(id: id, EmptyObject())),
            ("sendmessage.request", try RPCCodec.request(id: id, method: Methods.sendMessage, params: SendMessageParams(message: message, expect: ["headers"]))),
            ("sendmessage.request", try RPCCodec.request(id: id, method: Methods.sendMessage, params: SendMessageParams(peer: "p1", message: message))),
            ("sendmessage.response", try RPCCodec.result(id: id, SendMessageResult(peer: "p1", replies: [DriverP2PMessage(command: "headers", payload: "00")]))),
            ("listpeers.request", try RPCCodec.request(id: id, method: Methods.listPeers, params: EmptyObject())),
            ("listpeers.response", try RPCCodec.result(id: id, ListPeersResult(peers: [
                peer, PeerInfo(id: "x", direction: .inbound),
                PeerInfo(id: "2", address: "[::1]:18444", direction: .outbound, transport: .v2, startHeight: 117),
            ]))),
            ("peerconnected.notification", try RPCCodec.notification(method: Methods.peerConnected, params: PeerConnected(
                peer: PeerInfo(id: "3", direction: .inbound, altnet: false, transport: .v1, startHeight: 0)))),
            ("broadcasttx.request", try RPCCodec.request(id: id, method: Methods.broadcastTx, params: BroadcastTxParams(tx: "0200"))),
            ("broadcasttx.response", try RPCCodec.result(id: id, BroadcastTxResult(accepted: false, peers: 0, reason: "no peers"))),
            ("disconnectpeer.request", try RPCCodec.request(id: id, method: Methods.disconnectPeer, params: DisconnectPeerParams(peer: "p1", reason: "invalid headers: high-hash"))),
            ("disconnectpeer.response", try RPCCodec.result(id: id, EmptyObject())),
            ("peerconnected.notification", try RPCCodec.notification(method: Methods.peerConnected, params: PeerConnected(peer: peer))),
            ("peerdisconnected.notification", try RPCCodec.notification(method: Methods.peerDisconnected, params: PeerDisconnected(peer: "p1", reason: "eof"))),
            ("messagereceived.notification", try RPCCodec.notification(method: Methods.messageReceived, params: MessageReceived(peer: "p1", message: message))),
            ("signer.ecdh.request", try RPCCodec.request(id: id, method: Methods.signerECDH, params: ECDHParams(point: "02" + String(repeating: "ab", count: 32)))),
            ("signer.ecdh.response", try RPCCodec.result(id: id, ECDHResult(secret: String(repeating: "cd", count: 32)))),
            ("error.response", RPCCodec.error(id: nil, DriverProtocolError(.parse, "bad"))),
            ("error.response", RPCCodec.error(id: id, DriverProtocolError(.timeout, "late", data: .object(["ms": .int(5)])))),
        ]
    }

    @Test func everyMessageTheSwiftTypesProduceIsSchemaValid() throws {
        let messages = try Self.swiftMessages()
        let results = try validate(messages)
        for ((schema, line), errors) in zip(messages, results) {
            #expect(errors.isEmpty, "\(schema): \(errors) in \(String(decoding: line, as: UTF8.self))")
        }
        // Every schema file is exercised.
        let files = try FileManager.default.contentsOfDirectory(atPath: DriverFixtures.packageFile("docs/schemas"))
            .filter { $0.hasSuffix(".json") && $0 != "common.json" }.map { String($0.dropLast(5)) }
        #expect(Set(messages.map(\.0)) == Set(files))
    }

    /// Messages each schema must reject.
    static let broken: [(String, String)] = [
            ("getmanifest.response", #"{"jsonrpc":"2.0","id":1,"result":{"name":"x","version":"1","protocol_version":1,"options":[]}}"#),
            ("sendmessage.request", #"{"jsonrpc":"2.0","id":1,"method":"sendmessage","params":{"message":{"command":"tx","payload":"abc"},"expect":[],"timeout_ms":1}}"#),
            ("sendmessage.request", #"{"jsonrpc":"2.0","id":1,"method":"sendmessage","params":{"message":{"command":"GETDATA","payload":""},"expect":[],"timeout_ms":1}}"#),
            ("peerconnected.notification", #"{"jsonrpc":"2.0","method":"peerconnected","params":{"peer":{"id":"p"}}}"#),
            ("peerconnected.notification", #"{"jsonrpc":"2.0","method":"peerconnected","params":{"peer":{"id":"p","direction":"inbound","start_height":-1}}}"#),
            ("listpeers.response", #"{"jsonrpc":"2.0","id":1,"result":{"peers":[{"id":"p","direction":"outbound","start_height":"117"}]}}"#),
            ("ping.response", #"{"jsonrpc":"2.0","id":1,"result":{"extra":1}}"#),
            ("init.request", #"{"jsonrpc":"2.0","id":1,"method":"init","params":{"network":"mainnet","chain":{},"options":{},"data_dir":"/x"}}"#),
            ("peerconnected.notification", #"{"jsonrpc":"2.0","method":"peerconnected","params":{"peer":{"id":"p","direction":"inbound","start_height":null}}}"#),
            ("peerconnected.notification", #"{"jsonrpc":"2.0","method":"peerconnected","params":{"peer":{"id":"p","direction":"inbound","services":"9"}}}"#),
            ("ping.request", #"{"jsonrpc":"2.0","id":1e300,"method":"ping","params":{}}"#),
            ("sendmessage.request", #"{"jsonrpc":"2.0","id":1,"method":"sendmessage","params":{"message":{"command":"ping","payload":""},"expect":[],"timeout_ms":9007199254740992}}"#),
        ]

    @Test func schemasRejectBrokenMessages() throws {
        let broken = Self.broken
        let results = try validate(broken.map { ($0.0, Array($0.1.utf8)) })
        for ((schema, line), errors) in zip(broken, results) {
            #expect(!errors.isEmpty, "\(schema) accepted \(line)")
        }
    }

    @Test func pythonExampleDriverOutputIsSchemaValid() throws {
        let script: [(String, String)] = [
            ("getmanifest", #"{"protocol_versions":[1]}"#),
            ("init", #"{"network":"regtest","chain":{"genesis_hash":"0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206","magic":"fabfb5da","default_port":18444},"options":{},"data_dir":"/tmp/x"}"#),
            ("ping", "{}"),
            ("listpeers", "{}"),
            ("sendmessage", #"{"message":{"command":"getheaders","payload":"\#(DriverConformance.regtestGetHeadersPayload)"},"expect":["headers"],"timeout_ms":1000}"#),
            ("nosuchmethod", "{}"),
            ("shutdown", "{}"),
        ]
        var input = Data()
        for (index, (method, params)) in script.enumerated() {
            input.append(Data("{\"jsonrpc\":\"2.0\",\"id\":\(index + 1),\"method\":\"\(method)\",\"params\":\(params)}\n".utf8))
        }
        let output = try Self.run(try DriverFixtures.python(), [DriverFixtures.packageFile("drivers/example-python/driver.py")], input: input)
        var items: [(String, [UInt8])] = []
        for line in output.split(separator: 0x0A) {
            let frame = try RPCCodec.parse(Array(line))
            switch frame.kind {
            case .result(.number(let id)): items.append(("\(script[Int(id) - 1].0).response", Array(line)))
            case .error: items.append(("error.response", Array(line)))
            case .notification(let method): items.append(("\(method).notification", Array(line)))
            default: Issue.record("unexpected line \(String(decoding: line, as: UTF8.self))")
            }
        }
        #expect(items.count == script.count + 1)  // every answer plus the peerconnected notification
        let results = try validate(items)
        for ((schema, line), errors) in zip(items, results) {
            #expect(errors.isEmpty, "\(schema): \(errors) in \(String(decoding: line, as: UTF8.self))")
        }
    }

    /// check-driver's validator (Sources/Core/JSONSchema) and Python's `jsonschema` give the same
    /// verdict on every message above, valid and broken.
    @Test func swiftValidatorAgreesWithPythonJsonschema() throws {
        let schemas = try DriverSchemas(directory: URL(fileURLWithPath: DriverFixtures.packageFile("docs/schemas")))
        let items = try Self.swiftMessages() + Self.broken.map { ($0.0, Array($0.1.utf8)) }
        let python = try validate(items)
        for ((schema, line), pythonErrors) in zip(items, python) {
            let ours = try #require(schemas.violations(of: line, as: schema), "no schema \(schema)")
            #expect(ours.isEmpty == pythonErrors.isEmpty,
                    "\(schema): ours \(ours), jsonschema \(pythonErrors) in \(String(decoding: line, as: UTF8.self))")
        }
        #expect(schemas.messageNames == Set(items.map(\.0)))
    }
}
