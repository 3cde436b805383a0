import AltLogic
import AltnetControl
import Altstack
import BitcoinPrimitives
import BitcoindRPC
import DriverProtocol
import EmergencyQueue
import Foundation
import JSON
import Watchdog

/// The control socket's methods (docs/altnetd.md lists each with its result).
struct ControlMethods: Sendable {
    let settings: DaemonSettings
    let altstack: Altstack
    let bitcoind: BitcoindRPCClient
    let board: AnomalyBoard
    /// Each node-key driver's public key (hex) by instance name.
    let nodeIDs: [String: String]
    let logic: LogicHooks
    /// The durable emergency queue.
    let emergency: EmergencyBroadcaster
    /// What the ZMQ feed received (for `doctor`).
    let zmq: ZMQActivity
    /// altnetd's data directory (for `doctor`'s disk check).
    let dataDir: String
    /// Starts a graceful shutdown of the daemon.
    let stop: @Sendable () -> Void

    static let names = ["getinfo", "listdrivers", "listpeers", "listanomalies", "listrescues", "getaltchaintips",
                        "fetchheaders", "sendemergencytx", "doctor", "restartdriver", "stop", "help"]

    /// Answers one call.
    func dispatch(_ method: String, _ params: JSONValue) async -> Result<JSONValue, ControlRPC.ErrorObject> {
        do {
            switch method {
            case "getinfo": return .success(try ControlRPC.json(await getInfo()))
            case "listdrivers": return .success(try ControlRPC.json(drivers()))
            case "listpeers": return .success(try ControlRPC.json(peers()))
            case "listanomalies": return .success(try ControlRPC.json(await anomalies()))
            case "listrescues":
                return .success(try await logic.rescues())
            case "getaltchaintips":
                return .success(try await logic.altChainTips())
            case "fetchheaders":
                return .success(try await logic.fetchHeaders())
            case "sendemergencytx": return try await sendEmergencyTx(params)
            case "restartdriver": return try restartDriver(params)
            case "doctor":
                let inputs = await Doctor.collect(settings: settings, bitcoind: bitcoind, drivers: altstack.snapshot(),
                                                  zmq: zmq, dataDir: dataDir)
                return .success(try ControlRPC.json(Doctor.checks(inputs)))
            case "stop":
                stop()
                return .success(.string("altnetd stopping"))
            case "help": return .success(.string(Self.names.joined(separator: "\n")))
            default:
                return .failure(.init(code: ControlRPC.Code.methodNotFound, message: "Method not found: \(method)"))
            }
        } catch let error as ControlRPC.ErrorObject {
            return .failure(error)
        } catch {
            return .failure(.init(code: ControlRPC.Code.misc, message: "\(method) failed: \(error)"))
        }
    }

    // MARK: getinfo

    struct Tip: Codable, Sendable {
        var hash: String
        var height: Int
    }

    struct Info: Codable, Sendable {
        var network: String
        var bitcoind: BitcoindView
        var drivers: [String: String]
        var peers: Int
        var openAnomalies: Int
        /// Emergency transactions per queue state (`pending`, `confirmed-mempool`, ...).
        var emergency: [String: Int]
        var lightning: LightningView?
        /// Node id per Lightning driver instance (each has its own key), by instance name.
        var nodeids: [String: String]
        /// `ready`, or `paused: <why>` (bitcoind in initial block download or still downloading
        /// blocks: no rescue or cross-check runs until it is done).
        var rescues: String
        /// The rescue under way (trigger, anomaly, start), absent when none is.
        var rescueRunning: RunningRescue?
    }

    struct BitcoindView: Codable, Sendable {
        var rpc: String
        var tip: Tip?
        /// Headers bitcoind knows (getblockchaininfo `headers`): ahead of the tip while blocks arrive.
        var headers: Int?
        /// The tip block's time (Unix seconds), for its age.
        var tipTime: Int64?
        var error: String?
    }

    struct LightningView: Codable, Sendable {
        var nodeid: String
        var listen: [String]
    }

    func getInfo() async -> Info {
        var view = BitcoindView(rpc: "\(settings.rpcHost):\(settings.rpcPort)")
        var rescues = "ready"
        if let reason = await logic.pauseReason() { rescues = "paused: \(reason)" }
        do {
            let info = try await bitcoind.getBlockchainInfo()
            view.tip = Tip(hash: info.bestBlockHash.displayHex, height: info.blocks)
            view.headers = info.headers
            view.tipTime = info.time
            if info.initialBlockDownload {
                rescues = "paused: bitcoind is in initial block download (height \(info.blocks), headers \(info.headers))"
            }
        } catch {
            view.error = error.description
        }
        let snapshot = altstack.snapshot()
        // `lightning`: the `[lightning]` instance, else the first other Lightning instance.
        var lightning: LightningView?
        let signers = settings.drivers.filter { nodeIDs[$0.name] != nil }
        if let section = signers.first(where: { $0.name == "lightning" }) ?? signers.first, let nodeID = nodeIDs[section.name] {
            lightning = LightningView(nodeid: nodeID, listen: section.keys.first { $0.key == "listen" }?.values ?? [])
        }
        var emergencyCounts = Dictionary(uniqueKeysWithValues: EmergencyTxState.allCases.map { ($0.rawValue, 0) })
        for (state, count) in (try? emergency.store.counts()) ?? [:] { emergencyCounts[state.rawValue] = count }
        return Info(network: settings.network.rawValue, bitcoind: view,
                    drivers: Dictionary(snapshot.map { ($0.name, $0.state.rawValue) }, uniquingKeysWith: { a, _ in a }),
                    peers: snapshot.reduce(0) { $0 + $1.peers.count },
                    openAnomalies: await board.openAnomalies.count, emergency: emergencyCounts, lightning: lightning, nodeids: nodeIDs,
                    rescues: rescues, rescueRunning: await logic.running())
    }

    // MARK: listdrivers, listpeers

    struct DriverView: Codable, Sendable {
        var name: String
        var state: String
        var pid: Int32?
        var starts: Int
        var lastError: String?
        var version: String?
        var capabilities: TransportCapabilities?
        /// What the capabilities make of it (docs/driver-protocol.md, "Capability combinations"):
        /// `two-way`, `feed` (receive only), `send-only`.
        var role: String?
        var peers: Int
        /// The executable and its arguments.
        var command: [String]
        var dataDir: String
        /// Its node id, for a driver the core keeps a node key for.
        var nodeid: String?
        /// For a feed: the headers its window holds now (what the next cross-check reads).
        var feedHeaders: Int?

        init(_ s: DriverSnapshot, config: DriverConfig?, nodeID: String?, feedHeaders: Int?) {
            name = s.name
            state = s.state.rawValue
            pid = s.pid
            starts = s.starts
            lastError = s.lastError
            version = s.manifest?.version
            capabilities = s.capabilities
            role = s.capabilities.map(\.role.rawValue)
            peers = s.peers.count
            command = config.map { [$0.executable] + $0.arguments } ?? []
            dataDir = config?.dataDir ?? ""
            nodeid = nodeID
            self.feedHeaders = s.capabilities?.isFeed == true ? (feedHeaders ?? 0) : nil
        }
    }

    func drivers() -> [DriverView] {
        let feeds = logic.feedHeaders()
        return altstack.snapshot().map {
            DriverView($0, config: altstack.supervisor(named: $0.name)?.config, nodeID: nodeIDs[$0.name], feedHeaders: feeds[$0.name])
        }
    }

    struct PeerView: Codable, Sendable {
        var driver: String
        var id: String
        var address: String?
        var direction: String
        /// The wire (v1/v2) and, from drivers with their own discovery (BIP324, issue #19), the
        /// peer's network, network group and how its address was learned.
        var transport: String?
        var network: String?
        var group: String?
        var source: String?
        /// Whether the peer carries altnet messages, when the driver says: false for a Lightning
        /// peer without the altnet feature bit (listed, never asked), true for one with it.
        var altnet: Bool?
    }

    func peers() -> [PeerView] {
        altstack.snapshot().flatMap { driver in
            driver.peers.map {
                PeerView(driver: driver.name, id: $0.id, address: $0.address, direction: $0.direction.rawValue,
                         transport: $0.transport?.rawValue, network: $0.network, group: $0.group, source: $0.source,
                         altnet: $0.altnet)
            }
        }
    }

    // MARK: listanomalies

    struct AnomalyView: Codable, Sendable {
        var id: UInt64
        var kind: String
        var category: String
        var severity: String
        var reason: String
        var evidence: [String: String]
        var start: String
        var end: String?
        var open: Bool
        var outcome: String?
    }

    struct Anomalies: Codable, Sendable {
        var open: [AnomalyView]
        var closed: [AnomalyView]
    }

    func anomalies() async -> Anomalies {
        let format = ISO8601DateFormatter()
        let outcomes = await logic.outcomes()
        func view(_ a: Anomaly) -> AnomalyView {
            AnomalyView(id: a.id, kind: a.kind.rawValue, category: a.kind.category.rawValue, severity: a.severity.description,
                        reason: a.reason, evidence: a.evidence, start: format.string(from: a.start),
                        end: a.end.map(format.string(from:)), open: a.isOpen, outcome: outcomes[a.id])
        }
        return Anomalies(open: await board.openAnomalies.map(view), closed: await board.closed.suffix(100).map(view))
    }

    // MARK: restartdriver

    /// Restarts a driver now (a parked one included): `name`, the state it was in.
    func restartDriver(_ params: JSONValue) throws -> Result<JSONValue, ControlRPC.ErrorObject> {
        guard let name = params.parameter("name", position: 0)?.stringValue else {
            return .failure(.init(code: ControlRPC.Code.invalidParameter, message: "restartdriver needs a driver name"))
        }
        guard let supervisor = altstack.supervisor(named: name) else {
            let known = altstack.snapshot().map(\.name).joined(separator: ", ")
            return .failure(.init(code: ControlRPC.Code.invalidParameter,
                                  message: "no driver \(LogText.escaped(name, limit: 40)) (running: \(known.isEmpty ? "none" : known))"))
        }
        struct Restarted: Codable, Sendable {
            var name: String
            var previousState: String
        }
        return .success(try ControlRPC.json(Restarted(name: name, previousState: supervisor.restart().rawValue)))
    }
}

/// What the control methods need from AltLogicValidation; empty until it is wired.
struct LogicHooks: Sendable {
    var altChainTips: @Sendable () async throws -> JSONValue = {
        throw ControlRPC.ErrorObject(code: ControlRPC.Code.unavailable, message: "AltLogicValidation is not part of this build")
    }
    var fetchHeaders: @Sendable () async throws -> JSONValue = {
        throw ControlRPC.ErrorObject(code: ControlRPC.Code.unavailable, message: "AltLogicValidation is not part of this build")
    }
    var rescues: @Sendable () async throws -> JSONValue = {
        throw ControlRPC.ErrorObject(code: ControlRPC.Code.unavailable, message: "AltLogicValidation is not part of this build")
    }
    /// Outcome per anomaly id, from the rescue reports.
    var outcomes: @Sendable () async -> [UInt64: String] = { [:] }
    /// Why rescues are paused (bitcoind syncing), nil when they are not.
    var pauseReason: @Sendable () async -> String? = { nil }
    /// The rescue under way, nil when none is.
    var running: @Sendable () async -> RunningRescue? = { nil }
    /// Headers each broadcast feed's window holds, by driver.
    var feedHeaders: @Sendable () -> [String: Int] = { [:] }
}
