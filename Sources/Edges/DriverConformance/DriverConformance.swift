import Altstack
import BitcoinPrimitives
import DriverProtocol
import Foundation
import JSONSchema
import Logging

/// The conformance suite every driver must pass, whatever its language (`altnet-harness
/// check-driver`). It talks to the driver process directly, below the supervisor, so it can
/// send what a supervisor never would: garbage, oversized lines, requests it will not wait for.
public enum DriverConformance {
    /// Deadlines of the suite.
    public struct Options: Sendable {
        /// Per answer.
        public var answerTimeout: Duration = .seconds(5)
        /// `shutdown` must be answered and the process gone within this (the issue says 5 s).
        public var shutdownTimeout: Duration = .seconds(5)
        /// Requests sent at once in the concurrency check.
        public var concurrentRequests = 32
        /// Size of the oversized line (just over the protocol limit).
        public var oversizedBytes = DriverProtocolLimits.maxLineBytes + 1024
        /// The JSON Schemas every message is checked against (docs/schemas); nil: found with
        /// ``DriverSchemas/locateDirectory()``.
        public var schemaDirectory: URL?

        public init() {}
    }

    /// Runs every check against a driver executable.
    /// - Parameters:
    ///   - launch: the driver's command line.
    ///   - logger: receives the driver's stderr.
    ///   - options: deadlines.
    ///   - fixture: builds, from the manifest, what the driver needs around it (init options, a
    ///     core answering its requests, a peer); nil for a bare core.
    /// - Returns: the report (also when the driver cannot be started: then every check fails).
    public static func run(
        _ launch: DriverLaunch, logger: Logger, options: Options = Options(), fixture: ConformanceFixtureProvider? = nil
    ) async -> ConformanceReport {
        let command = [launch.executable] + launch.arguments
        do {
            let (findings, _) = try await DriverProcess.run(launch, name: "check-driver", logger: logger) { pipe in
                let session = ConformanceSession(pipe: pipe)
                return await withTaskGroup(of: [ConformanceFinding]?.self) { group in
                    group.addTask { await session.collect(); return nil }
                    group.addTask {
                        let holder = FixtureHolder()
                        let findings = await checks(session, options: options, fixture: fixture, holder: holder)
                        await holder.tearDown()
                        return findings
                    }
                    var result: [ConformanceFinding] = []
                    for await item in group {
                        if let item {
                            result = item
                            pipe.kill()
                        }
                    }
                    return result
                }
            }
            return ConformanceReport(command: command, findings: findings)
        } catch {
            let findings = ConformanceCheck.allCases.map {
                ConformanceFinding(check: $0.rawValue, passed: false, detail: "could not start the driver: \(error)")
            }
            return ConformanceReport(command: command, findings: findings)
        }
    }

    private static func checks(
        _ session: ConformanceSession, options: Options, fixture provider: ConformanceFixtureProvider?, holder: FixtureHolder
    ) async -> [ConformanceFinding] {
        var findings: [ConformanceFinding] = []
        func record(_ check: ConformanceCheck, _ passed: Bool, _ detail: String) {
            findings.append(ConformanceFinding(check: check.rawValue, passed: passed, detail: detail))
        }
        func skipRest(_ why: String) -> [ConformanceFinding] {
            for check in ConformanceCheck.allCases where !findings.contains(where: { $0.check == check.rawValue }) {
                record(check, false, "not run: \(why)")
            }
            return findings
        }
        let timeout = options.answerTimeout

        // manifest
        var capabilities: TransportCapabilities?
        let offered = ProtocolVersion.supported
        let offeredFramings = DriverFraming.allCases
        let getManifest = GetManifestParams(protocolVersions: offered, framings: offeredFramings)
        guard let manifestFrame = await session.request(Methods.getManifest, getManifest, timeout: timeout) else {
            record(.manifest, false, session.hasEnded ? "driver exited before answering getmanifest" : "getmanifest unanswered within \(timeout)")
            return skipRest("no manifest")
        }
        do {
            let manifest = try manifestFrame.result(as: Manifest.self)
            try manifest.validate(offered: offered)
            capabilities = manifest.capabilities
            let kinds = manifest.capabilities.messageKinds.sorted().map(\.rawValue).joined(separator: ",")
            record(.manifest, true, "\(manifest.name) \(manifest.version), protocol \(manifest.protocolVersion), kinds \(kinds)")
        } catch {
            if case .error(_, let remote) = manifestFrame.kind {
                record(.manifest, false, "getmanifest answered with an error: \(remote)")
            } else {
                record(.manifest, false, "invalid manifest: \(error.message)")
            }
        }

        // version-mismatch
        if let frame = await session.request(Methods.getManifest, GetManifestParams(protocolVersions: [9999]), timeout: timeout) {
            if case .error(_, let error) = frame.kind {
                record(.versionMismatch, true, "refused protocol 9999 with \(error.kind.rawValue) (\(error.code))")
            } else {
                record(.versionMismatch, false, "accepted protocol 9999, which does not exist")
            }
        } else {
            record(.versionMismatch, false, "getmanifest offering only version 9999 was not answered")
        }

        // The fixture (a peer, a key holder) the driver's manifest asks for.
        var fixture: ConformanceFixture?
        var fixtureProblem: String?
        if let provider, let manifest = try? manifestFrame.result(as: Manifest.self) {
            do {
                fixture = try await provider(manifest)
                holder.set(fixture)
            } catch {
                fixtureProblem = "\(error)"
            }
        }
        if let fixture { session.serveRequests(with: fixture.coreHandler) }

        // init
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("altnet-check-\(UUID().uuidString)").path
        // Binary framing when the manifest declares it (the `framing` check reads what followed).
        let framing = DriverFraming.choose(offered: offeredFramings, declared: (try? manifestFrame.result(as: Manifest.self))?.declaredFramings)
        let initParams = InitParams(
            network: "regtest", chain: .regtest, options: fixture?.initOptions ?? [:], dataDir: dataDir, framing: framing == .json ? nil : framing)
        if let fixtureProblem {
            record(.initAccepted, false, "could not set up the driver's peer: \(fixtureProblem.prefix(300))")
            _ = await session.request(Methods.initialize, initParams, timeout: timeout, switchingTo: framing)
        } else if let frame = await session.request(Methods.initialize, initParams, timeout: timeout, switchingTo: framing) {
            if case .error(_, let error) = frame.kind {
                record(.initAccepted, false, "init refused: \(error)")
            } else {
                record(.initAccepted, true, fixture.map { "init accepted (\($0.summary))" } ?? "init accepted")
            }
        } else {
            record(.initAccepted, false, session.hasEnded ? "driver exited during init" : "init unanswered within \(timeout)")
            if session.hasEnded { return skipRest("driver exited") }
        }

        let afterInit = session.frameCount

        // heartbeat
        let pingStart = ContinuousClock.now
        if let frame = await session.request(Methods.ping, EmptyObject(), timeout: timeout), case .result = frame.kind {
            record(.heartbeat, true, "ping answered in \(ContinuousClock.now - pingStart)")
        } else {
            record(.heartbeat, false, "ping not answered with a result within \(timeout)")
            if session.hasEnded { return skipRest("driver exited") }
        }

        // unknown-method
        if let frame = await session.request(unknownMethodName, EmptyObject(), timeout: timeout) {
            if case .error(_, let error) = frame.kind {
                record(.unknownMethod, error.code == DriverProtocolError.Kind.methodNotFound.code,
                       "answered with code \(error.code) (expected -32601)")
            } else {
                record(.unknownMethod, false, "answered an unknown method with a result")
            }
        } else {
            record(.unknownMethod, false, "unknown method not answered within \(timeout)")
        }

        // malformed-line
        await survives(.malformedLine, line: Array("this is {not json\n".utf8), session, timeout, record)
        // oversized-line
        var big = [UInt8](repeating: 0x61, count: options.oversizedBytes)
        big.append(0x0A)
        await survives(.oversizedLine, line: big, session, .seconds(30), record)

        // concurrent-requests
        var ids: [RPCID] = []
        for index in 0..<options.concurrentRequests {
            let id = session.freshID()
            let method = index % 2 == 0 ? Methods.ping : Methods.listPeers
            session.sent(id, method: method)
            if let line = try? RPCCodec.request(id: id, method: method, params: EmptyObject(), framing: session.framing) {
                session.send(line, as: "\(method).request")
            }
            ids.append(id)
        }
        var answered = 0
        for id in ids where await session.answer(to: id, timeout: timeout) != nil { answered += 1 }
        record(.concurrentRequests, answered == ids.count, "\(answered) of \(ids.count) pipelined requests answered")

        // headers-exchange (only for drivers declaring a headers exchange)
        if let capabilities, CapabilityRequirement.exchange(.headers).isSatisfied(by: capabilities) {
            var linked: String?
            if let peerTimeout = fixture?.peerTimeout { linked = await session.connectedPeer(timeout: peerTimeout) }
            let message = DriverP2PMessage(command: "getheaders", payload: regtestGetHeadersPayload)
            let params = SendMessageParams(peer: linked, message: message, expect: ["headers"], timeoutMs: 5000)
            if fixture?.peerTimeout != nil && linked == nil {
                record(.headersExchange, false, "the driver reported no peer within \(fixture?.peerTimeout ?? .zero) (peer: \(fixture?.summary ?? "none"))")
            } else if let frame = await session.request(Methods.sendMessage, params, timeout: timeout) {
                do {
                    let result = try frame.result(as: SendMessageResult.self)
                    for reply in result.replies { try reply.validate() }
                    let headers = result.replies.first { $0.command == "headers" }
                    let count = headers.flatMap { Self.headerCount(hexPayload: $0.payload) }
                    let ok = headers != nil
                    record(.headersExchange, ok, ok ? "getheaders answered with \(count.map { "\($0) " } ?? "")headers from \(result.peer.prefix(66))" : "no headers in the answer")
                } catch {
                    record(.headersExchange, false, "getheaders: \(error.message)")
                }
            } else {
                record(.headersExchange, false, "getheaders not answered within \(timeout)")
            }
        } else {
            record(.headersExchange, true, "not applicable: no headers exchange declared")
        }

        // peer-addressing and unknown-peer: what the core's fan-out relies on
        await checkPeerAddressing(session, capabilities: capabilities, timeout: timeout, record: record)
        await checkUnknownPeer(session, capabilities: capabilities, timeout: timeout, record: record)

        // framing: binary both ways after init when declared, JSON lines kept when not
        await checkFraming(session, picked: framing, afterInit: afterInit, timeout: timeout, record: record)

        // shutdown
        let shutdownStart = ContinuousClock.now
        let shutdownAnswer = await session.request(Methods.shutdown, EmptyObject(), timeout: options.shutdownTimeout)
        session.pipe.closeInput()
        let remaining = options.shutdownTimeout - (ContinuousClock.now - shutdownStart)
        let exited = await session.waitForEnd(timeout: max(remaining, .milliseconds(1)))
        let took = ContinuousClock.now - shutdownStart
        record(.shutdown, shutdownAnswer != nil && exited,
               exited ? "exited \(took) after shutdown\(shutdownAnswer == nil ? ", without answering" : "")"
                      : "still running \(options.shutdownTimeout) after shutdown")

        // role: what its declared directions ask of it, over the whole session
        checkRole(session, capabilities: capabilities, record: record)

        // schema-valid and stdout-clean, over everything the driver wrote (and the suite sent)
        switch loadSchemas(options) {
        case .success(let (schemas, directory)):
            let problems = schemaProblems(session, capabilities: capabilities, schemas: schemas)
            let count = session.allFrames.count + session.allSentLines.count
            record(.schemaValid, problems.isEmpty, problems.isEmpty
                ? "\(session.allFrames.count) received and \(session.allSentLines.count) sent messages valid against \(directory.path)"
                : "\(problems.count)\(problems.count >= maxProblems ? "+" : "") problem(s) in \(count) messages: "
                    + problems.prefix(3).joined(separator: "; "))
        case .failure(let error):
            record(.schemaValid, false, "could not load the JSON Schemas: \(error)")
        }
        let noise = session.noiseLines
        let oversized = session.oversizedLines
        let clean = noise.isEmpty && oversized.isEmpty
        record(.stdoutClean, clean, clean ? "only protocol lines on stdout"
            : "\(noise.count) non-protocol line(s) on stdout\(oversized.isEmpty ? "" : ", \(oversized.count) oversized"); first: \(noise.first ?? "")")
        return findings
    }

    static func survives(
        _ check: ConformanceCheck, line: [UInt8], _ session: ConformanceSession, _ timeout: Duration,
        _ record: (ConformanceCheck, Bool, String) -> Void
    ) async {
        let before = session.frameCount
        session.pipe.send(line)
        let error = await session.nullIDError(after: before, timeout: timeout)
        let alive = await session.request(Methods.ping, EmptyObject(), timeout: timeout)
        switch (error, alive) {
        case (.some(let frame), .some):
            if case .error(_, let e) = frame.kind { record(check, true, "answered \(e.kind.rawValue) (\(e.code)), still alive") }
        case (nil, .some):
            record(check, false, "no JSON-RPC error (id null) answered, though still alive")
        case (_, nil):
            record(check, false, session.hasEnded ? "driver died" : "driver stopped answering")
        }
    }

    /// The method the unknown-method check calls (no schema: it is not part of the protocol).
    static let unknownMethodName = "altnet.nosuchmethod"

    /// The count a `headers` payload starts with (a CompactSize), for the report.
    static func headerCount(hexPayload: String) -> Int? {
        guard let first = try? Hex.decode(String(hexPayload.prefix(6))), let tag = first.first else { return nil }
        switch tag {
        case ..<0xfd: return Int(tag)
        case 0xfd where first.count == 3: return Int(first[1]) | Int(first[2]) << 8
        default: return nil
        }
    }

    /// A `getheaders` from regtest's genesis: protocol version 70016, one locator hash, zero stop
    /// hash (hashes in internal byte order, as on the wire).
    public static let regtestGetHeadersPayload: String = {
        let genesis = (try? Hex.decode(ChainInfo.regtest.genesisHash)) ?? []
        return "80110100" + "01" + Hex.encode(genesis.reversed()) + String(repeating: "0", count: 64)
    }()
}

/// The fixture of one run, kept for its tear-down.
final class FixtureHolder: @unchecked Sendable {
    // @unchecked: `fixture` is guarded by `lock`.
    private let lock = NSLock()
    private var fixture: ConformanceFixture?

    func set(_ fixture: ConformanceFixture?) { lock.withLock { self.fixture = fixture } }

    /// Runs the fixture's tear-down once.
    func tearDown() async {
        let taken: ConformanceFixture? = lock.withLock {
            defer { fixture = nil }
            return fixture
        }
        await taken?.tearDown()
    }
}
