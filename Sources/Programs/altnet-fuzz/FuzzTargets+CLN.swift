import CLNDriverCore
import JSON

/// The Core Lightning carrier's readers: lightningd's stream of JSON objects as the plugin frames
/// it, the plugin's session over every object, and the readers of `listpeers` and hook params.
enum CLNFuzz {
    /// Selector 20: a seed byte (the split), a size cap (64 plus a u16), then the stream. Whole
    /// and split framing must agree and stay within the cap; every object the session reads as a
    /// `custommsg` request with an id is answered `{"result": "continue"}`, whatever its params;
    /// only altnet types are forwarded; `listpeers` and hook readers never trap.
    static func run(_ input: inout FuzzInput) {
        let seed = input.byte()
        let cap = 64 + input.u16()
        let bytes = input.remaining()
        var whole = JSONObjectFramer(maxObjectBytes: cap)
        let events = whole.append(bytes)
        var split = JSONObjectFramer(maxObjectBytes: cap)
        let pieces = FuzzSplit.chunks(bytes, seed: seed).flatMap { split.append(Array($0)) }
        FuzzTargets.check(events == pieces, "split framing of lightningd's stream differs from whole-buffer framing")
        FuzzTargets.check(whole.bufferedCount <= cap, "the framer holds \(whole.bufferedCount) bytes over its cap of \(cap)")
        var session = PluginSession(home: "/h")
        for case .object(let object) in events {
            FuzzTargets.check(object.count <= cap, "an object of \(object.count) bytes over the cap of \(cap)")
            let step = session.handle(object) { .object([]) }
            if let forwarded = step.forward { FuzzTargets.check(forwarded.isAltnet, "a non-altnet message forwarded") }
            guard let value = try? JSONValue.parse(object, limits: PluginSession.limits) else { continue }
            if value["method"]?.stringValue == "custommsg", let id = value["id"], !id.isNull {
                let reply = step.reply.flatMap { try? JSONValue.parse($0) }
                FuzzTargets.check(reply?["result"]?["result"] == .string("continue"), "a custommsg hook call not answered continue")
            }
            _ = try? CLNPeer.connected(inListPeers: value)
            _ = try? CustomMessage(hookParams: value)
        }
    }
}
