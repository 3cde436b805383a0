import BitcoindRPC
import Foundation

/// `altnet-harness simnode` (the regtest bitcoind double) as a real subprocess, for every test
/// target that needs one: started on free ports, ready when its RPC has answered, with an RPC
/// client, and stopped (``kill()`` in `defer`, or ``stop(grace:)``).
///
/// Its stderr goes to `DATADIR/simnode.stderr`; start failures quote its tail.
public final class SimnodeChild: Sendable {
    /// How to start simnode. The defaults: any free RPC port, ZMQ on any free port, cookie auth,
    /// no P2P listener, nothing persisted.
    public struct Options: Sendable {
        /// The RPC port on 127.0.0.1; 0 for any free port (a restart can pass the old one).
        public var rpcPort = 0
        /// Publish ZMQ (`--zmqpub tcp://127.0.0.1:0`).
        public var zmq = true
        /// The P2P port (`--p2pport`); 0 for any free port, nil for no P2P listener.
        public var p2pPort: Int? = nil
        /// Keep blocks in the data directory and reload them on start (`--persist`).
        public var persist = false
        /// `--rpcuser`/`--rpcpassword` instead of the cookie.
        public var userPassword: (user: String, password: String)? = nil
        /// The client's connection limit; nil for BitcoindRPCClient's default.
        public var rpcMaxConnections: Int? = nil
        /// More `altnet-harness simnode` arguments (e.g. `--v2transport 0`).
        public var extra: [String] = []
        /// How long simnode may take to report its ports and answer RPC, in seconds.
        public var startTimeout: TimeInterval = 30

        /// - Parameters: see the properties; the defaults are simnode's test defaults above.
        public init(rpcPort: Int = 0, zmq: Bool = true, p2pPort: Int? = nil, persist: Bool = false, extra: [String] = []) {
            self.rpcPort = rpcPort
            self.zmq = zmq
            self.p2pPort = p2pPort
            self.persist = persist
            self.extra = extra
        }

        /// The `altnet-harness` arguments for a node in `datadir`.
        func arguments(datadir: String) -> [String] {
            var arguments = ["simnode", "--datadir", datadir, "--rpcport", String(rpcPort)]
            if zmq { arguments += ["--zmqpub", "tcp://127.0.0.1:0"] }
            if let p2pPort { arguments += ["--p2pport", String(p2pPort)] }
            if persist { arguments.append("--persist") }
            if let userPassword { arguments += ["--rpcuser", userPassword.user, "--rpcpassword", userPassword.password] }
            return arguments + extra
        }
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The process (its pid, stderr, exit).
    public let child: SpawnedProcess
    public let datadir: String
    /// `DATADIR/regtest/.cookie` (written only with cookie auth).
    public let cookiePath: String
    public let rpcPort: Int
    /// The P2P port, when started with ``Options/p2pPort``.
    public let p2pPort: Int?
    /// The ZMQ endpoint (`tcp://127.0.0.1:N`), empty when started without ZMQ.
    public let zmqEndpoint: String
    /// A client for simnode's RPC (closed by ``kill()`` and ``stop(grace:)``).
    public let rpc: BitcoindRPCClient
    /// Whether ``kill()`` and ``stop(grace:)`` remove `datadir` (it was made by ``start(temporary:_:)``).
    private let ownsDatadir: Bool

    private init(child: SpawnedProcess, datadir: String, ports: Ports, options: Options, ownsDatadir: Bool) {
        self.child = child
        self.datadir = datadir
        self.ownsDatadir = ownsDatadir
        cookiePath = datadir + "/regtest/.cookie"
        rpcPort = ports.rpcport
        p2pPort = ports.p2pport
        zmqEndpoint = ports.zmq
        let credentials: RPCCredentials = options.userPassword.map { .userPassword(user: $0.user, password: $0.password) }
            ?? .cookieFile(cookiePath)
        var configuration = BitcoindRPCClient.Configuration(port: ports.rpcport, credentials: credentials)
        if let limit = options.rpcMaxConnections { configuration.maxConnections = limit }
        rpc = BitcoindRPCClient(configuration)
    }

    deinit {
        child.kill()
        if ownsDatadir { try? FileManager.default.removeItem(atPath: datadir) }
    }

    /// simnode's machine-readable first stdout line.
    private struct Ports: Decodable {
        let rpcport: Int
        let p2pport: Int?
        let zmq: String
    }

    /// Starts simnode in a new temporary directory, removed again by ``kill()`` or ``stop(grace:)``.
    /// - Parameters:
    ///   - name: a word for the directory's name (which test, which node).
    ///   - options: ports and flags.
    /// - Returns: the node, its RPC answering.
    /// - Throws: ``StartFailure`` (with simnode's stderr) or ``BuiltProduct/Missing``.
    public static func start(temporary name: String, _ options: Options = .init()) async throws -> SimnodeChild {
        let dir = try TempDir(prefix: "altnet-\(name)")
        do {
            return try await start(datadir: dir.path, options, ownsDatadir: true)
        } catch {
            dir.cleanup()
            throw error
        }
    }

    /// Starts simnode in `datadir` (created if missing, left in place when it stops).
    /// - Parameters:
    ///   - datadir: the data directory (a restart may reuse it).
    ///   - options: ports and flags.
    /// - Returns: the node, its RPC answering.
    /// - Throws: ``StartFailure`` (with simnode's stderr) or ``BuiltProduct/Missing``.
    public static func start(datadir: String, _ options: Options = .init()) async throws -> SimnodeChild {
        try await start(datadir: datadir, options, ownsDatadir: false)
    }

    private static func start(datadir: String, _ options: Options, ownsDatadir: Bool) async throws -> SimnodeChild {
        let harness = try BuiltProduct.path("altnet-harness")
        try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: true)
        let arguments = options.arguments(datadir: datadir)
        let started = Date()
        let child = try await offPool { try SpawnedProcess(harness, arguments, stderrPath: datadir + "/simnode.stderr") }
        let line = try await offPool { child.readLine(timeout: options.startTimeout) }
        guard let ports = try? JSONDecoder().decode(Ports.self, from: Data(line.utf8)) else {
            // At EOF the child has exited or is about to: give it a moment to be reaped.
            let status = await child.waitForExit(timeout: 1)
            child.kill()
            let what = status.map { "exited with status \($0) before reporting its ports" }
                ?? "did not report its ports within \(Int(options.startTimeout)) s"
            throw StartFailure(description: """
                simnode \(what) (stdout: \(line.debugDescription), arguments: \(arguments.joined(separator: " "))); \
                stderr: \(child.stderrTail())
                """)
        }
        let node = SimnodeChild(child: child, datadir: datadir, ports: ports, options: options, ownsDatadir: ownsDatadir)
        do {
            try await node.waitForRPC(until: started.addingTimeInterval(options.startTimeout))
        } catch {
            node.kill()
            throw error
        }
        return node
    }

    /// Calls `uptime` until it answers.
    /// - Throws: ``StartFailure`` when simnode exits or `deadline` passes first.
    private func waitForRPC(until deadline: Date) async throws {
        while true {
            do {
                _ = try await rpc.uptime()
                return
            } catch {
                guard child.isRunning else {
                    throw StartFailure(description: "simnode exited before its RPC answered (\(error)); stderr: \(child.stderrTail())")
                }
                guard Date() < deadline else {
                    throw StartFailure(description: "simnode's RPC on port \(rpcPort) did not answer in time: \(error); stderr: \(child.stderrTail())")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// SIGKILL, wait for the exit, close the RPC client and remove a temporary data directory.
    /// Synchronous (for `defer`); safe to call more than once.
    public func kill() {
        child.kill()
        let rpc = self.rpc
        Task { await rpc.close() }
        if ownsDatadir { try? FileManager.default.removeItem(atPath: datadir) }
    }

    /// Closes the RPC client, sends SIGTERM (simnode then shuts down cleanly and deletes its
    /// cookie, as bitcoind does), SIGKILL after `grace`, and removes a temporary data directory.
    /// Safe to call more than once.
    /// - Parameter grace: seconds to wait for the clean exit.
    /// - Returns: whether it exited on SIGTERM alone (or had already exited).
    @discardableResult
    public func stop(grace: TimeInterval = 5) async -> Bool {
        await rpc.close()
        let clean = await child.terminate(grace: grace)
        if ownsDatadir { try? FileManager.default.removeItem(atPath: datadir) }
        return clean
    }
}
