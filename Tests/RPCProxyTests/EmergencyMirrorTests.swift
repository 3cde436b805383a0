import Foundation
import Logging
import Prometheus
import RPCProxyCore
import Testing
import TestSupport

/// What the proxy reads from a mirrored call, and that a mirror to no altnetd is counted.
@Suite struct EmergencyMirrorTests {
    @Test func transactionsFromParamsAsBitcoindReadsThem() {
        func read(_ method: String, _ json: String) -> [String]? { EmergencyMirror.transactions(method: method, params: Data(json.utf8)) }
        #expect(read("sendrawtransaction", #"["aabb", 0.1]"#) == ["aabb"])
        #expect(read("sendrawtransaction", #"{"hexstring": "aabb", "maxfeerate": 0}"#) == ["aabb"])
        #expect(read("submitpackage", #"[["aa", "bb"], 0.1]"#) == ["aa", "bb"])
        #expect(read("submitpackage", #"{"package": ["aa", "bb"]}"#) == ["aa", "bb"])
        #expect(read("submitpackage", #"[[]]"#) == nil)
        #expect(read("submitpackage", #"[["aa", 1]]"#) == nil)
        #expect(read("sendrawtransaction", #"[1]"#) == nil)
        #expect(read("sendrawtransaction", #"not json"#) == nil)
        #expect(read("getblock", #"["aabb"]"#) == nil)
    }

    @Test func aMirrorToNoAltnetdIsCountedAsFailed() async throws {
        let dir = try TempDir(prefix: "mirror")
        defer { dir.cleanup() }
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "mirror-test")
        logger.logLevel = .critical
        let mirror = EmergencyMirror(dataDir: dir.path, registry: registry, logger: logger)
        mirror.mirror(["aabb"])
        #expect(await eventually(timeout: .seconds(10), every: .milliseconds(20)) { mirror.snapshot.failed == 1 })
        #expect(mirror.snapshot.queued == 0)
        var text: [UInt8] = []
        registry.emit(into: &text)
        #expect(String(decoding: text, as: UTF8.self).contains(#"altnet_rpcproxy_mirror_total{outcome="failed"} 1"#))
    }
}
