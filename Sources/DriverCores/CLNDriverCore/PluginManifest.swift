import BitcoinPrimitives
import JSON
import LightningAltnetMessages

/// What `altnet-cln-plugin` answers to lightningd's `getmanifest` (Core Lightning's plugin
/// documentation, "The getmanifest method"): its options, the `custommsg` hook, the altnet
/// feature bit in `init` and `node` (`featurebits`: big-endian bit fields in hex), the two altnet
/// message types under `custommessages`, and `dynamic: false`: lightningd refuses custom
/// featurebits from a dynamic plugin ("Custom featurebits only allows for non-dynamic plugins",
/// lightningd/plugin.c since 2020; seen with a real lightningd, v26.06-258), so the plugin is
/// started from lightningd's config only, never with `lightning-cli plugin start`.
public enum PluginManifest {
    /// Option names, as lightningd's command line and config file take them.
    public enum Option {
        /// altnetd's data directory: the bridge socket is `DIR/cln/plugin.sock`.
        public static let dataDir = "altnet-datadir"
        /// The bridge socket itself (for a `[driver.NAME]` instance, `DIR/NAME/plugin.sock`).
        public static let socket = "altnet-socket"
        /// Bytes of received altnet messages held for altnetd at most; beyond it they are dropped.
        public static let queueBytes = "altnet-queue-bytes"
    }

    /// The default of `altnet-datadir` (as altnetd's `--datadir`).
    public static let defaultDataDir = "~/.altnet"
    /// The default of `altnet-queue-bytes`: two maximum-size blocks in fragments.
    public static let defaultQueueBytes = 8 * 1024 * 1024
    /// The plugin's own RPC method: its counters (`lightning-cli altnet-status`).
    public static let statusMethod = "altnet-status"

    /// The feature field with the altnet bit (421) set, as `featurebits` takes it.
    public static var featureHex: String { Hex.encode(AltnetFeature.setting(AltnetFeature.optionalBit, in: [])) }

    /// The `getmanifest` result.
    public static var result: JSONValue {
        .object([
            ("options", .array([
                option(Option.dataDir, "string", .string(defaultDataDir),
                       "altnetd's data directory; the plugin connects to its [cln] driver at DIR/cln/plugin.sock"),
                option(Option.socket, "string", .string(""),
                       "the driver's socket, when not DIR/cln/plugin.sock (a [driver.NAME] instance: DIR/NAME/plugin.sock)"),
                option(Option.queueBytes, "int", .int(defaultQueueBytes),
                       "bytes of received altnet messages held while altnetd reads slowly or is away; more are dropped and counted"),
            ])),
            ("rpcmethods", .array([
                .object([("name", .string(statusMethod)), ("usage", .string("")),
                         ("description", .string("altnet plugin counters: messages forwarded to altnetd, dropped, queued"))]),
            ])),
            ("subscriptions", .array([.string("shutdown"), .string("connect"), .string("disconnect")])),
            ("hooks", .array([.object([("name", .string("custommsg"))])])),
            ("featurebits", .object([("init", .string(featureHex)), ("node", .string(featureHex))])),
            ("custommessages", .array([.int(Int(AltnetWire.messageType)), .int(Int(AltnetWire.fragmentType))])),
            ("nonnumericids", .bool(true)),
            ("dynamic", .bool(false)),
        ])
    }

    private static func option(_ name: String, _ type: String, _ value: JSONValue, _ description: String) -> JSONValue {
        .object([("name", .string(name)), ("type", .string(type)), ("default", value), ("description", .string(description))])
    }
}
