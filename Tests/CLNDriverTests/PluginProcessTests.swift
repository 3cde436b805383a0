import CLNDriverCore
import Foundation
import JSON
import TestSupport
import Testing

/// The `altnet-cln-plugin` executable on its pipes, played by the test as lightningd would play it
/// (requests pretty-printed across lines, as nothing in the protocol forbids), with no altnetd to
/// take its messages: every hook is still answered `continue`, the queue stops at
/// `altnet-queue-bytes` and counts what it drops, an object over the size cap is skipped and the
/// next request answered, and closing its input ends it.
@Suite struct PluginProcessTests {
    /// The plugin with its pipes and a framer over its output.
    final class Plugin: @unchecked Sendable {
        // @unchecked: used from one test at a time, each call blocking on a thread of its own.
        let process = Process()
        let input = Pipe(), output = Pipe()
        var framer = JSONObjectFramer(maxObjectBytes: 1 << 20)
        var pending: [[UInt8]] = []

        init() throws {
            process.executableURL = URL(fileURLWithPath: try BuiltProduct.path("altnet-cln-plugin"))
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func send(_ text: String) {
            input.fileHandleForWriting.write(Data(text.utf8))
        }

        /// The next reply object (blocking).
        func reply() throws -> JSONValue {
            while pending.isEmpty {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw CLNError("the plugin closed its output") }
                for case .object(let bytes) in framer.append(Array(chunk)) { pending.append(bytes) }
            }
            return try JSONValue.parse(pending.removeFirst())
        }

        func call(_ text: String) async throws -> JSONValue {
            try await offPool { [self] in
                send(text)
                return try reply()
            }
        }
    }

    @Test func boundedWithoutAltnetd() async throws {
        let root = try TempDir.short()
        defer { root.cleanup() }
        let plugin = try Plugin()
        defer { if plugin.process.isRunning { kill(plugin.process.processIdentifier, SIGKILL) } }
        let manifest = try await plugin.call("""
            {
              "jsonrpc": "2.0", "id": "cln:getmanifest#1", "method": "getmanifest",
              "params": {"allow-deprecated-apis": false}
            }

            """)
        #expect(manifest["result"]?["hooks"] == .array([.object([("name", .string("custommsg"))])]))
        let queueBytes = CustomMessage.maxLineBytes
        let initReply = try await plugin.call("""
            {"jsonrpc":"2.0","id":"cln:init#2","method":"init","params":{"options":{"altnet-socket":"\(root.path)/none.sock",
            "altnet-queue-bytes":\(queueBytes)},"configuration":{"lightning-dir":"\(root.path)","rpc-file":"lightning-rpc","startup":true}}}


            """)
        #expect(initReply["result"] == .object([]))

        // 40 altnet messages of 60,000 bytes with no altnetd listening: a bridge line each is
        // 120 KB, so the queue takes one and drops the rest; every hook call continues.
        let peer = "02" + String(repeating: "ab", count: 32)
        let payload = "a411" + String(repeating: "00", count: 60_000)
        for n in 0..<40 {
            let reply = try await plugin.call(#"{"jsonrpc":"2.0","id":"h\#(n)","method":"custommsg","params":{"peer_id":"\#(peer)","payload":"\#(payload)"}}"#)
            #expect(reply["result"] == .object([("result", .string("continue"))]), "hook \(n): \(reply)")
        }
        // An object over the plugin's cap is skipped unanswered; the next request is answered.
        let huge = String(repeating: "0", count: PluginSession.maxObjectBytes + 10)
        let status = try await plugin.call(#"{"id":"x","method":"custommsg","params":{"peer_id":"\#(peer)","payload":"\#(huge)"}}"# +
                                           #"{"jsonrpc":"2.0","id":"s","method":"altnet-status","params":{}}"#)
        #expect(status["id"] == .string("s"))
        let counters = try #require(status["result"])
        #expect(counters["connected"] == .bool(false))
        #expect(counters["queued"] == .int(1) && counters["dropped"] == .int(39), "\(counters)")
        #expect((counters["queued_bytes"]?.intValue ?? .max) <= Int64(queueBytes), "\(counters)")

        // lightningd closing the pipe ends the plugin.
        try plugin.input.fileHandleForWriting.close()
        let exited = await eventually(timeout: .seconds(5), every: .milliseconds(50)) { !plugin.process.isRunning }
        #expect(exited, "the plugin outlived its input")
    }
}
