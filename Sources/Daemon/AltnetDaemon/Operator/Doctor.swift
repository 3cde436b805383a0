import AltnetControl
import Altstack
import BitcoindRPC
import Foundation

/// `altnet-cli doctor`: checks what altnet needs from its surroundings and says, one line each,
/// what to do. Pure: ``checks(_:)`` judges ``DoctorInputs``; ``collect`` (Doctor+Collect.swift)
/// gathers them from bitcoind, the Altstack and the file system.
///
/// ```
///  bitcoind      reachable, Core v26 or later       FAIL: unreachable, too old
///  credentials   RPC accepted                       FAIL: 401, cookie unreadable
///  sync          bitcoind out of initial block download (altnet does not rescue a node in IBD)
///  zmq           bitcoind publishes hashblock where [bitcoind] zmqpub listens, and it arrives
///  pruning       not pruned, or pruned with the RPC proxy for a Lightning node
///  v2transport   bitcoind offers BIP324 (P2P_V2)
///  driver NAME   ready with peers                   FAIL: parked, stopped
///  clock         bitcoind's peers' median offset    FAIL beyond 10 minutes
///  disk          free space for the data directory  FAIL below 100 MiB
/// ```
enum Doctor {
    /// The oldest bitcoind altnet supports (DESIGN.md): getnetworkinfo's `version` for v26.0.
    static let minimumVersion = 260_000
    /// Where `altnet-driver-rpc proxy` listens by default (docs/rpc-proxy.md).
    static let rpcProxyAddress = (host: "127.0.0.1", port: 8331)
    /// Clock offsets: up to a minute is normal jitter; Core itself warns beyond 10 minutes
    /// (src/node/timeoffsets.h, `WARN_THRESHOLD`).
    static let clockWarnSeconds = 60
    static let clockFailSeconds = 600
    /// Free space: below these the emergency queue and the drivers' files are at risk.
    static let diskFailBytes: UInt64 = 100 << 20
    static let diskWarnBytes: UInt64 = 1 << 30
    /// The lines that make bitcoind publish what altnetd listens to (one address serves both topics).
    static func zmqLines(_ address: String = "tcp://127.0.0.1:28332") -> String {
        "zmqpubhashblock=\(address)` and `zmqpubsequence=\(address)"
    }

    /// Every check, in the order printed.
    static func checks(_ input: DoctorInputs) -> [DoctorCheck] {
        var out = bitcoind(input)
        let reachable = (try? input.network.get()) != nil
        if reachable {
            out.append(sync(input))
            out.append(zmq(input))
            out.append(pruning(input))
            out.append(v2transport(input))
        } else {
            for name in ["sync", "zmq", "pruning", "v2transport"] {
                out.append(DoctorCheck(name, .warn, "not checked: bitcoind did not answer"))
            }
        }
        out += drivers(input.drivers)
        out.append(clock(input, reachable: reachable))
        out.append(disk(input))
        return out
    }

    // MARK: bitcoind and credentials

    static func bitcoind(_ input: DoctorInputs) -> [DoctorCheck] {
        switch input.network {
        case .success(let info):
            let version = versionText(info.version)
            let bitcoind = info.version >= minimumVersion
                ? DoctorCheck("bitcoind", .ok, "reachable at \(input.rpcEndpoint), Bitcoin Core \(version) (\(info.subversion))")
                : DoctorCheck("bitcoind", .fail, "Bitcoin Core \(version) at \(input.rpcEndpoint) is too old",
                              fix: "upgrade bitcoind to v26 or later")
            return [bitcoind, DoctorCheck("credentials", .ok, "bitcoind accepts altnetd's RPC credentials (\(input.credentialsSource))")]
        case .failure(let error):
            switch error.reason {
            case .unauthorized:
                return [
                    DoctorCheck("bitcoind", .ok, "reachable at \(input.rpcEndpoint)"),
                    DoctorCheck("credentials", .fail, "bitcoind refuses altnetd's credentials (\(input.credentialsSource), HTTP 401)",
                                fix: "point [bitcoind] rpccookiefile= at the .cookie of this bitcoind (readable by altnetd's user), or set rpcuser= and rpcpassword= to an rpcauth user of bitcoin.conf"),
                ]
            case .credentialsUnavailable(let why):
                return [
                    DoctorCheck("bitcoind", .warn, "not asked: altnetd has no credentials to call \(input.rpcEndpoint) with"),
                    DoctorCheck("credentials", .fail, "cannot read them: \(why)",
                                fix: "start bitcoind (it writes the cookie at start), or set [bitcoind] rpccookiefile= to its .cookie, or rpcuser= and rpcpassword="),
                ]
            default:
                let fix = error.isUnreachable
                    ? "start bitcoind (with server=1), or set [bitcoind] rpcconnect= to the HOST:PORT it listens on (--bitcoind.rpcconnect=)"
                    : "check bitcoind's log; this call was getnetworkinfo"
                let what: String
                switch error.reason {
                case .connectionRefused: what = "nothing answers at \(input.rpcEndpoint) (connection refused)"
                case .timeout(let seconds): what = "no reply from \(input.rpcEndpoint) within \(seconds) s"
                case .connectionClosed: what = "\(input.rpcEndpoint) closed the connection before replying"
                default: what = "\(input.rpcEndpoint): \(error.description)"
                }
                return [
                    DoctorCheck("bitcoind", .fail, what, fix: fix),
                    DoctorCheck("credentials", .warn, "not checked: bitcoind did not answer"),
                ]
            }
        }
    }

    /// 280100 -> "v28.1.0" (Core's CLIENT_VERSION: major * 10000 + minor * 100 + build).
    static func versionText(_ version: Int) -> String {
        "v\(version / 10_000).\(version / 100 % 100).\(version % 100)"
    }

    // MARK: ZMQ

    static func zmq(_ input: DoctorInputs) -> DoctorCheck {
        let publishers: [ZMQNotificationInfo]
        switch input.zmqPublishers {
        case .success(let list): publishers = list
        case .failure(let error):
            return DoctorCheck("zmq", input.zmqActivity.messages > 0 ? .ok : .warn,
                               "cannot list bitcoind's ZMQ publishers (\(error.description)); \(input.zmqActivity.messages) notifications received")
        case nil:
            return DoctorCheck("zmq", .warn, "not checked")
        }
        let blocks = publishers.filter { $0.type == "pubhashblock" || $0.type == "pubsequence" }
        guard let subscribed = input.zmqSubscribed else {
            if let first = blocks.first {
                let address = connectable(first.address)
                return DoctorCheck("zmq", .fail, "bitcoind publishes \(first.type) on \(first.address) but altnetd does not listen",
                                   fix: "set [bitcoind] zmqpub=\(address) in altnet.conf (--bitcoind.zmqpub=\(address))")
            }
            return DoctorCheck("zmq", .fail, "bitcoind publishes no block notifications and altnetd has no [bitcoind] zmqpub",
                               fix: "add `\(zmqLines())` to bitcoin.conf, restart bitcoind, and set [bitcoind] zmqpub=tcp://127.0.0.1:28332")
        }
        guard !blocks.isEmpty else {
            return DoctorCheck("zmq", .fail, "altnetd listens on \(subscribed) but bitcoind publishes no block notifications",
                               fix: "add `\(zmqLines(subscribed))` to bitcoin.conf and restart bitcoind")
        }
        guard let match = blocks.first(where: { sameEndpoint($0.address, subscribed) }) else {
            let theirs = blocks.map { "\($0.type) on \($0.address)" }.joined(separator: ", ")
            return DoctorCheck("zmq", .fail, "altnetd listens on \(subscribed) but bitcoind publishes \(theirs)",
                               fix: "set [bitcoind] zmqpub=\(connectable(blocks[0].address))")
        }
        let activity = input.zmqActivity
        guard activity.messages > 0, let last = activity.last else {
            return DoctorCheck("zmq", .warn, "bitcoind publishes \(match.type) on \(match.address); nothing received yet",
                               fix: "none needed if no block or transaction came since altnetd started; otherwise check that \(subscribed) is reachable from altnetd")
        }
        let ago = max(0, Int(input.now - last))
        return DoctorCheck("zmq", .ok, "bitcoind publishes \(match.type) on \(match.address); \(activity.messages) notifications received, the last \(ago) s ago")
    }

    /// A publisher's bind address as a subscriber connects to it (`0.0.0.0` and `*` become loopback).
    static func connectable(_ address: String) -> String {
        address.replacingOccurrences(of: "://0.0.0.0:", with: "://127.0.0.1:")
            .replacingOccurrences(of: "://*:", with: "://127.0.0.1:")
            .replacingOccurrences(of: "://[::]:", with: "://[::1]:")
    }

    /// Whether a publisher's bind address and a subscriber's address name the same socket:
    /// same scheme and port, and the same host unless the publisher binds every address.
    static func sameEndpoint(_ published: String, _ subscribed: String) -> Bool {
        func split(_ s: String) -> (scheme: String, host: String, port: String)? {
            guard let scheme = s.range(of: "://"), let colon = s.lastIndex(of: ":"), colon > scheme.upperBound else { return nil }
            return (String(s[..<scheme.lowerBound]), String(s[scheme.upperBound..<colon]), String(s[s.index(after: colon)...]))
        }
        guard let p = split(published), let s = split(subscribed) else { return published == subscribed }
        guard p.scheme == s.scheme, p.port == s.port else { return false }
        let wildcard = ["0.0.0.0", "*", "[::]"]
        let loopback = ["127.0.0.1", "localhost", "[::1]"]
        return p.host == s.host || wildcard.contains(p.host) || (loopback.contains(p.host) && loopback.contains(s.host))
    }

    // MARK: sync, pruning, v2transport

    /// altnet leaves a node in initial block download alone (AltLogic's guard), so say so.
    static func sync(_ input: DoctorInputs) -> DoctorCheck {
        guard let chain = input.chain else { return DoctorCheck("sync", .warn, "not checked: getblockchaininfo failed") }
        if chain.initialBlockDownload {
            return DoctorCheck("sync", .warn, "bitcoind is in initial block download (height \(chain.blocks), \(chain.headers) headers): altnet does not rescue it until that is done",
                               fix: "wait for bitcoind to finish syncing")
        }
        return DoctorCheck("sync", .ok, "bitcoind is out of initial block download at height \(chain.blocks)")
    }

    static func pruning(_ input: DoctorInputs) -> DoctorCheck {
        guard let chain = input.chain else { return DoctorCheck("pruning", .warn, "not checked: getblockchaininfo failed") }
        guard chain.pruned else {
            return DoctorCheck("pruning", .ok, "bitcoind is not pruned: a Lightning node on it can read every block")
        }
        let height = chain.pruneHeight.map { " (blocks below \($0) are gone)" } ?? ""
        let proxy = "\(rpcProxyAddress.host):\(rpcProxyAddress.port)"
        if input.rpcProxyAnswers {
            return DoctorCheck("pruning", .ok, "bitcoind is pruned\(height); the RPC proxy answers on \(proxy) for the Lightning node")
        }
        return DoctorCheck("pruning", .warn, "bitcoind is pruned\(height) and nothing answers on \(proxy)",
                           fix: "if a Lightning node uses this bitcoind, run `altnet-driver-rpc proxy` (docs/rpc-proxy.md, docs/systemd/altnet-rpc-proxy.service) and point the Lightning node at \(proxy)")
    }

    static func v2transport(_ input: DoctorInputs) -> DoctorCheck {
        guard case .success(let info) = input.network else { return DoctorCheck("v2transport", .warn, "not checked") }
        if info.localServicesNames?.contains("P2P_V2") == true {
            return DoctorCheck("v2transport", .ok, "bitcoind offers BIP324 encrypted P2P (P2P_V2)")
        }
        return DoctorCheck("v2transport", .warn, "bitcoind does not offer BIP324 encrypted P2P",
                           fix: "add `v2transport=1` to bitcoin.conf and restart bitcoind")
    }

    // MARK: drivers

    static func drivers(_ drivers: [DriverSnapshot]) -> [DoctorCheck] {
        guard !drivers.isEmpty else {
            return [DoctorCheck("drivers", .warn, "no driver configured: altnet has no other way to reach the network",
                                fix: "add a [bip324] section with connect=HOST:PORT, or [lightning] (docs/altnetd.md)")]
        }
        return drivers.map { driver in
            let name = "driver \(driver.name)"
            let why = driver.lastError.map { ": \($0)" } ?? ""
            switch driver.state {
            case .ready:
                guard !driver.peers.isEmpty else {
                    return DoctorCheck(name, .warn, "running, no peers",
                                       fix: "check its connect= addresses in [\(driver.name)] and that they accept connections")
                }
                let transports = Dictionary(grouping: driver.peers, by: { $0.transport?.rawValue ?? driver.name })
                    .map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
                return DoctorCheck(name, .ok, "running (pid \(driver.pid.map(String.init) ?? "?")), \(driver.peers.count) peer\(driver.peers.count == 1 ? "" : "s") (\(transports))")
            case .starting:
                return DoctorCheck(name, .warn, "starting (started \(driver.starts) times)\(why)")
            case .backoff:
                return DoctorCheck(name, .warn, "restarting after a failure (started \(driver.starts) times)\(why)",
                                   fix: "see altnetd's log for its stderr")
            case .parked:
                return DoctorCheck(name, .fail, "parked after failing \(driver.starts) times\(why)",
                                   fix: "fix the cause (altnetd's log has the driver's stderr), then restart altnetd")
            case .stopped:
                return DoctorCheck(name, .fail, "stopped\(why)", fix: "restart altnetd")
            }
        }
    }

    // MARK: clock, disk

    static func clock(_ input: DoctorInputs, reachable: Bool) -> DoctorCheck {
        guard case .success(let info) = input.network, let offset = info.timeOffset else {
            return DoctorCheck("clock", .warn, reachable ? "bitcoind reports no peer time offset" : "not checked: bitcoind did not answer")
        }
        let text = "bitcoind's peers' clocks differ from this machine's by \(offset) s (median)"
        if abs(offset) > clockFailSeconds {
            return DoctorCheck("clock", .fail, text, fix: "set the system clock (enable NTP: timedatectl set-ntp true)")
        }
        if abs(offset) > clockWarnSeconds {
            return DoctorCheck("clock", .warn, text, fix: "check NTP (timedatectl status)")
        }
        return DoctorCheck("clock", .ok, text)
    }

    static func disk(_ input: DoctorInputs) -> DoctorCheck {
        guard let free = input.diskFreeBytes else {
            return DoctorCheck("disk", .warn, "cannot read the free space of \(input.dataDir)")
        }
        let text = String(format: "%.1f", Double(free) / Double(1 << 30)) + " GiB free for \(input.dataDir)"
        if free < diskFailBytes { return DoctorCheck("disk", .fail, text, fix: "free space on that filesystem") }
        if free < diskWarnBytes { return DoctorCheck("disk", .warn, text, fix: "free space on that filesystem soon") }
        return DoctorCheck("disk", .ok, text)
    }
}
