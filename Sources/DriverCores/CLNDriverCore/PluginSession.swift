import JSON

/// The plugin half's protocol with lightningd, sans I/O: one JSON-RPC object from lightningd in,
/// the reply to write and what to do out (Core Lightning's plugin documentation: `getmanifest`,
/// `init` with `configuration`, the `custommsg` hook, notifications).
///
/// Every request with an id gets exactly one reply; the `custommsg` hook always gets
/// `{"result": "continue"}` (it is a chained hook: other plugins see the message too), whatever
/// the message and whether altnetd takes it.
///
/// ```
///  started ──getmanifest──► manifested ──init──► running ──custommsg──► running (forward)
///                                                   ├──connect/disconnect──► running (peers changed)
///                                                   └──shutdown notification──► stopping
/// ```
public struct PluginSession: Sendable {
    /// What one object from lightningd asks of the plugin.
    public struct Step: Sendable, Equatable {
        /// The reply to write to lightningd (already framed), if the object had an id.
        public var reply: [UInt8]?
        /// `init` arrived: connect to the driver here.
        public var configured: PluginConfiguration?
        /// An altnet message for the driver half.
        public var forward: CustomMessage?
        /// Something for the plugin's log (stderr).
        public var log: String?
        /// lightningd is shutting down (or stopping the plugin): exit.
        public var shutdown = false
        /// A peer connected or disconnected (the `connect` and `disconnect` notifications): the
        /// driver should ask `listpeers` now rather than at its next poll.
        public var peersChanged = false
    }

    /// Largest object lightningd may send the plugin: a custommsg hook call for a maximum-size
    /// message with room for its envelope. Larger ones are dropped unread (and unanswered: the
    /// framer cannot find their id), which lightningd never sends.
    public static let maxObjectBytes = CustomMessage.maxLineBytes + 64 * 1024
    /// The JSON parser's limits for one object.
    public static let limits = JSONLimits(maxBytes: maxObjectBytes, maxDepth: 32)

    private let home: String
    /// Whether `init` has arrived.
    public private(set) var isInitialized = false

    /// - Parameter home: the user's home directory (for `~/` in the options).
    public init(home: String) { self.home = home }

    /// Handles one object from lightningd.
    /// - Parameters:
    ///   - object: the bytes of one JSON object (``JSONObjectFramer``).
    ///   - status: the plugin's counters, for `altnet-status`.
    /// - Returns: what to write and do.
    public mutating func handle(_ object: [UInt8], status: () -> JSONValue) -> Step {
        var step = Step()
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONValue.parse(object, limits: Self.limits)
        } catch {
            step.log = "unreadable JSON from lightningd: \(error)"
            return step
        }
        let id = value["id"].flatMap { $0.isNull ? nil : $0 }
        guard let method = value["method"]?.stringValue else {
            step.log = "a message from lightningd without a method"
            return step
        }
        let params = value["params"] ?? .object([])
        switch method {
        case "getmanifest":
            step.reply = Self.result(id, PluginManifest.result)
        case "init":
            do throws(CLNError) {
                let configuration = try PluginConfiguration(initParams: params, home: home)
                isInitialized = true
                step.configured = configuration
                step.reply = Self.result(id, .object([]))
            } catch {
                // Core Lightning disables a plugin whose init result holds `disable`.
                step.log = "init refused: \(error)"
                step.reply = Self.result(id, .object([("disable", .string(error.description))]))
            }
        case "custommsg":
            step.reply = Self.result(id, .object([("result", .string("continue"))]))
            do throws(CLNError) {
                let message = try CustomMessage(hookParams: params)
                if message.isAltnet { step.forward = message }
            } catch {
                step.log = "custommsg hook: \(error)"
            }
        case "shutdown":
            step.shutdown = true
        case "connect", "disconnect":
            step.peersChanged = true
        case PluginManifest.statusMethod:
            step.reply = Self.result(id, status())
        default:
            if id != nil {
                step.reply = Self.error(id, code: -32601, message: "unknown method \(method.prefix(64))")
            }
        }
        if id == nil { step.reply = nil }
        return step
    }

    /// A JSON-RPC result object, framed as lightningd's own (a blank line after it).
    static func result(_ id: JSONValue?, _ result: JSONValue) -> [UInt8] {
        JSONValue.object([("jsonrpc", .string("2.0")), ("id", id ?? .null), ("result", result)]).encoded() + [0x0A, 0x0A]
    }

    static func error(_ id: JSONValue?, code: Int, message: String) -> [UInt8] {
        let error = JSONValue.object([("code", .int(code)), ("message", .string(message))])
        return JSONValue.object([("jsonrpc", .string("2.0")), ("id", id ?? .null), ("error", error)]).encoded() + [0x0A, 0x0A]
    }
}
