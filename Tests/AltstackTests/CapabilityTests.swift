import Altstack
import DriverProtocol
import Testing

@Suite struct CapabilityTests {
    let headersOnly = TransportCapabilities(send: true, receive: true, messageKinds: [.headers], latency: .high, bandwidth: .low)
    let everything = TransportCapabilities(
        send: true, receive: true, messageKinds: Set(MessageKind.allCases), encrypted: true, authenticatedPeer: true,
        latency: .low, bandwidth: .high, privacy: .low)

    @Test func requirementsMatchOnlyDeclaredCapabilities() {
        #expect(CapabilityRequirement.exchange(.headers).isSatisfied(by: headersOnly))
        #expect(!CapabilityRequirement.exchange(.blocks).isSatisfied(by: headersOnly))
        #expect(!CapabilityRequirement(messageKinds: [.headers], needsEncryption: true).isSatisfied(by: headersOnly))
        #expect(!CapabilityRequirement(messageKinds: [.headers], maxLatency: .medium).isSatisfied(by: headersOnly))
        #expect(!CapabilityRequirement(messageKinds: [.headers], minBandwidth: .medium).isSatisfied(by: headersOnly))
        #expect(CapabilityRequirement(messageKinds: [.blocks, .transactions], needsEncryption: true, needsAuthenticatedPeer: true,
                                      maxLatency: .low, minBandwidth: .high, minPrivacy: .low).isSatisfied(by: everything))
        #expect(!CapabilityRequirement(messageKinds: [.headers], minPrivacy: .high).isSatisfied(by: everything))
        let receiveOnly = TransportCapabilities(send: false, receive: true, messageKinds: [.headers])
        #expect(!CapabilityRequirement.push(.headers).isSatisfied(by: receiveOnly))
    }

    /// A request's reply is the `sendmessage` result: drivers that deliver nothing unsolicited
    /// (the RPC driver's declaration) are asked too; one-way receivers are not.
    @Test func requestsNeedSendNotReceive() {
        let rpcLike = TransportCapabilities(send: true, receive: false, messageKinds: [.blocks, .transactions])
        #expect(CapabilityRequirement.request(.blocks).isSatisfied(by: rpcLike))
        #expect(!CapabilityRequirement.exchange(.blocks).isSatisfied(by: rpcLike))
        #expect(!CapabilityRequirement.request(.headers).isSatisfied(by: rpcLike))
        #expect(!CapabilityRequirement.request(.headers).isSatisfied(by: TransportCapabilities(send: false, receive: true, messageKinds: [.headers])))
    }

    @Test func commandsMapToKinds() {
        #expect(headersOnly.permits(command: "getheaders"))
        #expect(headersOnly.permits(command: "headers"))
        #expect(!headersOnly.permits(command: "block"))
        #expect(!headersOnly.permits(command: "getdata"))
        #expect(!headersOnly.permits(command: "version"))
        #expect(everything.permits(command: "notfound"))
        #expect(MessageKind.of(command: "tx") == .transactions)
    }

    @Test func versionNegotiationPicksTheHighestCommonVersion() {
        #expect(ProtocolVersion.negotiate(offered: [1, 2, 3], supported: [1, 2]) == 2)
        #expect(ProtocolVersion.negotiate(offered: [1], supported: [2]) == nil)
        let manifest = Manifest(name: "x", version: "1", protocolVersion: 2, capabilities: headersOnly)
        #expect(throws: DriverProtocolError.self) { try manifest.validate(offered: [1]) }
        do {
            try manifest.validate(offered: [1])
        } catch {
            #expect(error.kind == .versionMismatch)
        }
    }

    @Test func manifestValidationNamesTheProblem() {
        let bad = Manifest(name: "Bad Name", version: "1", protocolVersion: 1, capabilities: headersOnly)
        #expect(throws: DriverProtocolError.self) { try bad.validate(offered: [1]) }
        let noKinds = Manifest(name: "ok", version: "1", protocolVersion: 1,
                               capabilities: TransportCapabilities(send: true, receive: true, messageKinds: []))
        #expect(throws: DriverProtocolError.self) { try noKinds.validate(offered: [1]) }
    }

    @Test func restartBackoffGrowsWithJitterAndParks() {
        let policy = RestartPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(2), jitter: 0.2, parkAfter: 6)
        func ms(_ failures: Int, _ random: Double) -> Double? {
            guard case .restart(let delay) = policy.decide(earlyFailures: failures, random: random) else { return nil }
            return Double(delay.components.seconds) * 1000 + Double(delay.components.attoseconds) / 1e15
        }
        func near(_ value: Double?, _ expected: Double) -> Bool { value.map { abs($0 - expected) < 0.001 } ?? false }
        #expect(near(ms(1, 0.5), 100))
        #expect(near(ms(2, 0.5), 200))
        #expect(near(ms(3, 0.0), 320))
        #expect(near(ms(3, 1.0), 480))
        #expect(near(ms(5, 0.5), 1600))
        #expect(policy.decide(earlyFailures: 6, random: 0.5) == .park)
        let capped = RestartPolicy(baseDelay: .seconds(1), maxDelay: .seconds(2), jitter: 0, parkAfter: 100)
        #expect(capped.decide(earlyFailures: 40, random: 0.3) == .restart(after: .seconds(2)))
    }
}
