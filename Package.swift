// swift-tools-version:6.1
//
// altnet: an alternative-transport stack beside an unmodified bitcoind.
// Folders follow the layers (docs/architecture.md has the picture and the import rule); a
// target may import only from its own layer or the ones above it in this list:
//   Sources/C           system libraries from Debian: CSecp256k1, CZeroMQ, CResolv
//   Sources/Core        pure, sans-I/O: BitcoinPrimitives, HeaderChain, Secp256k1, ElligatorSwift,
//                       BIP324, BOLT8, LightningAltnetMessages, JSON, DriverProtocol, JSONSchema, AltnetConfig,
//                       Watchdog
//   Sources/Edges       I/O to bitcoind and to drivers: BitcoindRPC, BitcoindZMQ, DriverKit,
//                       Altstack, DriverConformance (check-driver), EmergencyQueue, HTTPService,
//                       AltnetControl
//   Sources/DriverCores a driver's logic, unit-testable: AddressManager, BIP324DriverCore, BIP324ProxyCore, GetBlockFromPeerDriverCore,
//                       RPCProxyCore, EsploraDriverCore, LightningDriverCore, CLNDriverCore
//   Sources/Daemon      the data path's brain and the daemon: AltLogic, AltnetDaemon
//   Sources/Doubles     simnode, the regtest bitcoind double (shipped for tests and the demo)
//   Sources/Programs    thin executables: altnetd, altnet-cli, sendemergencytx, altnet-harness,
//                       altnet-bench, altnet-fuzz
//   drivers/<x>         thin driver executables: altnet-driver-bip324, -lightning, -rpc, -esplora, -cln
//                       (and altnet-cln-plugin, the Core Lightning plugin half, in drivers/cln/plugin)
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let cryptoExtras: Target.Dependency = .product(name: "_CryptoExtras", package: "swift-crypto")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let subprocess: Target.Dependency = .product(name: "Subprocess", package: "swift-subprocess")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let grdb: Target.Dependency = .product(name: "GRDB", package: "GRDB.swift")
let httpClient: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")

let package = Package(
    name: "altnet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "altnet-bench", targets: ["altnet-bench"]),
        .executable(name: "altnet-harness", targets: ["altnet-harness"]),
        .executable(name: "altnetd", targets: ["altnetd"]),
        .executable(name: "altnet-cli", targets: ["altnet-cli"]),
        .executable(name: "sendemergencytx", targets: ["sendemergencytx"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // MARK: C system libraries (Debian packages)
        .systemLibrary(
            name: "CSecp256k1", path: "Sources/C/CSecp256k1",
            pkgConfig: "libsecp256k1", providers: [.apt(["libsecp256k1-dev"])]),
        // No pkgConfig: libzmq's .pc pulls krb5 flags SwiftPM refuses (see TOOLCHAIN.md).
        .systemLibrary(
            name: "CZeroMQ", path: "Sources/C/CZeroMQ",
            providers: [.apt(["libzmq3-dev"])]),
        // glibc's DNS resolver (libresolv, part of libc6-dev): the BIP324 driver's seed lookups.
        .systemLibrary(name: "CResolv", path: "Sources/C/CResolv", providers: [.apt(["libc6-dev"])]),

        // MARK: Pure protocol cores
        .target(name: "BitcoinPrimitives", dependencies: [crypto], path: "Sources/Core/BitcoinPrimitives", swiftSettings: strict),
        .target(name: "HeaderChain", dependencies: ["BitcoinPrimitives"], path: "Sources/Core/HeaderChain", swiftSettings: strict),
        .target(name: "Secp256k1", dependencies: ["CSecp256k1", crypto], path: "Sources/Core/Secp256k1", swiftSettings: strict),
        .target(name: "ElligatorSwift", dependencies: ["Secp256k1", crypto], path: "Sources/Core/ElligatorSwift", swiftSettings: strict),
        .target(
            name: "BIP324",
            dependencies: ["ElligatorSwift", "Secp256k1", "BitcoinPrimitives", crypto, cryptoExtras],
            path: "Sources/Core/BIP324", swiftSettings: strict),
        .target(name: "BOLT8", dependencies: ["Secp256k1", "BitcoinPrimitives", crypto], path: "Sources/Core/BOLT8", swiftSettings: strict),
        .target(name: "JSON", path: "Sources/Core/JSON", swiftSettings: strict),
        .target(name: "DriverProtocol", dependencies: ["JSON", "BitcoinPrimitives"], path: "Sources/Core/DriverProtocol", swiftSettings: strict),
        // JSON Schema (2020-12 subset) validation over JSONValue, for check-driver.
        .target(name: "JSONSchema", dependencies: ["JSON", "BitcoinPrimitives"], path: "Sources/Core/JSONSchema", swiftSettings: strict),
        .target(name: "Watchdog", dependencies: ["BitcoinPrimitives", lifecycle], path: "Sources/Core/Watchdog", swiftSettings: strict),
        .target(name: "AltnetConfig", dependencies: [], path: "Sources/Core/AltnetConfig", swiftSettings: strict),
        .target(name: "LightningAltnetMessages", dependencies: [], path: "Sources/Core/LightningAltnetMessages", swiftSettings: strict),

        // MARK: I/O edges
        .target(
            name: "BitcoindRPC",
            dependencies: ["JSON", "BitcoinPrimitives", nioCore, nioPosix, nioHTTP1, logging],
            path: "Sources/Edges/BitcoindRPC", swiftSettings: strict),
        .target(name: "BitcoindZMQ", dependencies: ["CZeroMQ", "BitcoinPrimitives", logging], path: "Sources/Edges/BitcoindZMQ", swiftSettings: strict),
        .target(name: "DriverKit", dependencies: ["DriverProtocol", "BitcoinPrimitives", logging], path: "Sources/Edges/DriverKit", swiftSettings: strict),
        // Durable emergency-transaction queue (SQLite through GRDB) and its re-broadcaster.
        .target(name: "EmergencyQueue", dependencies: ["JSON", "BitcoinPrimitives", "BitcoindRPC", grdb, logging], path: "Sources/Edges/EmergencyQueue", swiftSettings: strict),
        .target(
            name: "Altstack",
            dependencies: ["JSON", "DriverProtocol", "BitcoinPrimitives", "Secp256k1", logging, metrics, prometheus, lifecycle, subprocess],
            path: "Sources/Edges/Altstack", swiftSettings: strict),
        // check-driver's conformance suite (altnet-harness and the tests; altnetd does not link it).
        .target(
            name: "DriverConformance",
            dependencies: ["JSON", "Altstack", "DriverProtocol", "BitcoinPrimitives", "JSONSchema", logging],
            path: "Sources/Edges/DriverConformance", swiftSettings: strict),

        // AltLogicValidation and Serving (issue 9): rescue over the drivers, answer peers from bitcoind.
        .target(
            name: "AltLogic",
            dependencies: ["BitcoinPrimitives", "HeaderChain", "DriverProtocol", "Altstack", "BitcoindRPC", "BitcoindZMQ", "Watchdog", logging, metrics],
            path: "Sources/Daemon/AltLogic", swiftSettings: strict),
        // The one HTTP server Service (control socket, simnode, metrics), cookie file and Prometheus responder.
        .target(name: "HTTPService", dependencies: ["DriverKit", nioCore, nioPosix, nioHTTP1, logging, lifecycle, prometheus],
                path: "Sources/Edges/HTTPService", swiftSettings: strict),
        // altnetd's control socket (server, client, cookie) and the daemon library behind altnetd.
        .target(name: "AltnetControl", dependencies: ["JSON", "HTTPService", "DriverProtocol", nioHTTP1, logging],
                path: "Sources/Edges/AltnetControl", swiftSettings: strict),
        .target(
            name: "AltnetDaemon",
            dependencies: ["JSON",
                "AltnetConfig", "AltnetControl", "Altstack", "BitcoinPrimitives", "BitcoindRPC", "BitcoindZMQ",
                "DriverProtocol", "Secp256k1", "Watchdog", "AltLogic", "EmergencyQueue", "HTTPService", logging, metrics, prometheus, lifecycle,
            ],
            path: "Sources/Daemon/AltnetDaemon", swiftSettings: strict),

        // MARK: Test doubles (shipped: altnet-harness simnode, the regtest bitcoind double)
        .target(
            name: "Simnode",
            dependencies: ["JSON", "BitcoinPrimitives", "AddressManager", "HeaderChain", "CZeroMQ", "BIP324", "BitcoindRPC", "HTTPService", crypto, nioCore, nioPosix, nioHTTP1, logging],
            path: "Sources/Doubles/Simnode", swiftSettings: strict),

        // MARK: Executables (thin)
        .executableTarget(
            name: "altnet-bench",
            dependencies: [
                "BitcoinPrimitives", "HeaderChain", "Secp256k1", "ElligatorSwift", "BIP324", "BOLT8",
                "DriverProtocol", "Altstack", crypto, cryptoExtras, argumentParser,
                "RPCProxyCore", "BitcoindRPC", "Simnode", nioCore, "AltLogic", "Watchdog", logging,
            ],
            path: "Sources/Programs/altnet-bench", swiftSettings: strict),
        // libFuzzer entry over the codecs; scripts/fuzz.sh builds it with -sanitize=fuzzer.
        .executableTarget(
            name: "altnet-fuzz",
            dependencies: [
                "JSON", "BIP324ProxyCore", "LightningDriverCore", "CLNDriverCore",
                "BitcoinPrimitives", "BIP324", "BOLT8", "Secp256k1", "LightningAltnetMessages", "BIP324DriverCore",
                "DriverKit", "DriverProtocol", "BitcoindZMQ", "AltnetConfig", "RPCProxyCore", "HeaderChain", "BitcoindRPC",
                "AddressManager",
            ],
            path: "Sources/Programs/altnet-fuzz", swiftSettings: strict),
        .executableTarget(
            name: "altnet-harness",
            dependencies: [
                "DriverConformance",
                "Altstack", "DriverProtocol", "DriverKit", "BitcoinPrimitives", "HeaderChain",
                "BitcoindRPC", "BitcoindZMQ", "BIP324", "Simnode", "BOLT8", "Secp256k1", nioCore, nioPosix, nioHTTP1, argumentParser, logging,
            ],
            path: "Sources/Programs/altnet-harness", swiftSettings: strict),

        .executableTarget(name: "altnetd", dependencies: ["AltnetDaemon", "Altstack", argumentParser, logging], path: "Sources/Programs/altnetd", swiftSettings: strict),
        .executableTarget(name: "altnet-cli", dependencies: ["JSON", "AltnetControl", "DriverProtocol", argumentParser], path: "Sources/Programs/altnet-cli", swiftSettings: strict),
        .executableTarget(
            name: "sendemergencytx",
            dependencies: ["JSON", "AltnetDaemon", "AltnetControl", "BitcoinPrimitives", "DriverProtocol", argumentParser],
            path: "Sources/Programs/sendemergencytx", swiftSettings: strict),

        // MARK: Drivers
        // altnet-driver-rpc (issue 8): blocks through bitcoind's getblockfrompeer (the driver's core).
        .target(
            name: "GetBlockFromPeerDriverCore", dependencies: ["JSON", "DriverKit", "DriverProtocol", "BitcoindRPC", "BitcoinPrimitives", logging],
            path: "Sources/DriverCores/GetBlockFromPeerDriverCore", swiftSettings: strict),
        // altnet-driver-rpc proxy (issue 8): the pruned-block JSON-RPC proxy in front of bitcoind.
        .target(
            name: "RPCProxyCore",
            dependencies: ["JSON",
                "GetBlockFromPeerDriverCore", "DriverKit", "BitcoindRPC", "BitcoinPrimitives", "HTTPService", "AltnetControl",
                crypto, nioCore, nioPosix, nioHTTP1, logging,
                prometheus, .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/DriverCores/RPCProxyCore", swiftSettings: strict),
        .executableTarget(
            name: "altnet-driver-rpc", dependencies: ["GetBlockFromPeerDriverCore", "RPCProxyCore", "DriverKit", argumentParser, logging],
            path: "drivers/rpc", swiftSettings: strict),
        // altnet-driver-lightning's sans-I/O core: options, the BOLT 8 carrier session, and the
        // carrier-independent altnet session (fragments, reply pairing, capability).
        .target(
            name: "LightningDriverCore",
            dependencies: ["JSON", "BOLT8", "LightningAltnetMessages", "DriverKit", "DriverProtocol", "BitcoinPrimitives", "Secp256k1"],
            path: "Sources/DriverCores/LightningDriverCore", swiftSettings: strict),
        // BOLT 8 Lightning peer carrying altnet custom messages; the node key stays with the core.
        .executableTarget(
            name: "altnet-driver-lightning",
            dependencies: [
                "JSON", "LightningDriverCore", "DriverKit", "DriverProtocol", "BitcoinPrimitives", "BOLT8", "Secp256k1", "LightningAltnetMessages",
                nioCore, nioPosix, argumentParser, logging,
            ],
            path: "drivers/lightning", swiftSettings: strict),
        // The Core Lightning carrier (issue 21): the plugin protocol (manifest, init, custommsg hook),
        // the bridge between the halves, listpeers and lightning-rpc codecs; sans I/O.
        .target(
            name: "CLNDriverCore",
            dependencies: ["JSON", "LightningDriverCore", "LightningAltnetMessages", "DriverKit", "DriverProtocol", "BitcoinPrimitives"],
            path: "Sources/DriverCores/CLNDriverCore", swiftSettings: strict),
        // altnetd's [cln] driver: sendcustommsg/listpeers on lightningd's socket, the plugin's socket.
        .executableTarget(
            name: "altnet-driver-cln",
            dependencies: [
                "CLNDriverCore", "LightningDriverCore", "LightningAltnetMessages", "DriverKit", "DriverProtocol", "JSON",
                nioCore, nioPosix, argumentParser, logging,
            ],
            path: "drivers/cln/driver", swiftSettings: strict),
        // The plugin half, run by lightningd: custommsg hook -> the [cln] driver's socket.
        .executableTarget(
            name: "altnet-cln-plugin",
            dependencies: ["CLNDriverCore", "BitcoinPrimitives", "JSON", nioCore, nioPosix, argumentParser],
            path: "drivers/cln/plugin", swiftSettings: strict),
        // The BIP324 driver's address manager (issue #19): Core's addrman idea, pure and sans-I/O.
        .target(name: "AddressManager", dependencies: ["BitcoinPrimitives"], path: "Sources/DriverCores/AddressManager", swiftSettings: strict),
        // altnet-driver-bip324's sans-I/O core (peer session, checks, discovery options), testable in-process.
        .target(name: "BIP324DriverCore", dependencies: ["BIP324", "BitcoinPrimitives", "DriverProtocol", "JSON"], path: "Sources/DriverCores/BIP324DriverCore", swiftSettings: strict),
        // `altnet-driver-bip324 proxy`'s sans-I/O core: SOCKS5 and v1 greetings, v1 <-> v2 translation.
        .target(name: "BIP324ProxyCore", dependencies: ["BIP324DriverCore", "BIP324", "BitcoinPrimitives"], path: "Sources/DriverCores/BIP324ProxyCore", swiftSettings: strict),
        .executableTarget(
            name: "altnet-driver-bip324",
            dependencies: [
                "JSON", "BIP324ProxyCore", "BIP324DriverCore", "AddressManager", "CResolv", "DriverKit", "DriverProtocol", "BIP324",
                "BitcoinPrimitives", "HTTPService", nioCore, nioPosix, nioHTTP1, prometheus, argumentParser, logging,
            ],
            path: "drivers/bip324", swiftSettings: strict),
        // altnet-driver-esplora (issue 17): headers, blocks and transactions over the Esplora HTTP
        // API (mempool.space, blockstream.info); the core decides which URLs to ask and compares
        // the sources, behind EsploraTransport; the executable plugs async-http-client into it.
        .target(
            name: "EsploraDriverCore", dependencies: ["JSON", "DriverKit", "DriverProtocol", "BitcoinPrimitives", logging],
            path: "Sources/DriverCores/EsploraDriverCore", swiftSettings: strict),
        .executableTarget(
            name: "altnet-driver-esplora",
            dependencies: ["JSON", "EsploraDriverCore", "DriverKit", "DriverProtocol", httpClient, nioCore, nioPosix, argumentParser, logging],
            path: "drivers/esplora", swiftSettings: strict),

        // MARK: Test fixtures
        // A DriverKit driver with fault switches (crash on init, hang, slow, echo), for the
        // supervision, routing and bench runs of Altstack. Not a product.
        .executableTarget(
            name: "altnet-driver-test", dependencies: ["DriverKit", "DriverProtocol", "BitcoinPrimitives"],
            path: "Tests/Drivers/TestDriver", swiftSettings: strict),
        // Enqueues one emergency tx, reports it, then waits to be SIGKILLed (durability test). Not a product.
        .executableTarget(
            name: "altnet-emergency-child", dependencies: ["EmergencyQueue", "BitcoinPrimitives"],
            path: "Tests/Drivers/EmergencyChild", swiftSettings: strict),

        // MARK: Tests (Swift Testing): Tests/<Module>Tests tests <Module>; the end-to-end targets say what they run
        .target(
            name: "TestSupport", dependencies: ["JSON", "BitcoinPrimitives", "HeaderChain", "BitcoindRPC", "Simnode", "Altstack", "DriverConformance", logging],
            path: "Tests/TestSupport", swiftSettings: strict),
        // Core
        .testTarget(name: "BitcoinPrimitivesTests", dependencies: ["BitcoinPrimitives", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HeaderChainTests", dependencies: ["HeaderChain", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "Secp256k1Tests", dependencies: ["Secp256k1", "BitcoinPrimitives", "TestSupport", crypto], swiftSettings: strict),
        .testTarget(name: "ElligatorSwiftTests", dependencies: ["ElligatorSwift", "Secp256k1", "BitcoinPrimitives", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BIP324Tests", dependencies: ["BIP324", "ElligatorSwift", "Secp256k1", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BOLT8Tests", dependencies: ["BOLT8", "Secp256k1", "BitcoinPrimitives", "TestSupport", crypto], swiftSettings: strict),
        .testTarget(name: "LightningAltnetMessagesTests", dependencies: ["LightningAltnetMessages", "BitcoinPrimitives", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: strict),
        .testTarget(name: "DriverProtocolTests", dependencies: ["JSON", "DriverProtocol", "BitcoinPrimitives"], swiftSettings: strict),
        .testTarget(name: "JSONSchemaTests", dependencies: ["JSON", "JSONSchema", "DriverProtocol", "BitcoinPrimitives", "TestSupport"],
                    exclude: ["Vectors"], swiftSettings: strict),
        .testTarget(name: "WatchdogTests",
                    dependencies: ["JSON", "Watchdog", "BitcoinPrimitives", "AltLogic", "BitcoindRPC", "BitcoindZMQ", "Simnode", "TestSupport", logging, lifecycle],
                    swiftSettings: strict),
        .testTarget(name: "AltnetConfigTests", dependencies: ["AltnetConfig"], swiftSettings: strict),
        // Edges
        .testTarget(name: "BitcoindRPCTests", dependencies: ["JSON", "BitcoindRPC", "BitcoinPrimitives", "Simnode", "TestSupport", nioCore, nioPosix],
                    swiftSettings: strict),
        .testTarget(name: "BitcoindZMQTests", dependencies: ["BitcoindZMQ", "BitcoinPrimitives", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "DriverKitTests", dependencies: ["DriverKit", "DriverProtocol", "BitcoinPrimitives", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTPServiceTests", dependencies: ["HTTPService", "TestSupport", nioCore, nioHTTP1, logging, prometheus],
                    swiftSettings: strict),
        .testTarget(name: "EmergencyQueueTests",
                    dependencies: ["JSON", "EmergencyQueue", "BitcoinPrimitives", "BitcoindRPC", "Simnode", "TestSupport", logging],
                    swiftSettings: strict),
        .testTarget(name: "AltstackTests", dependencies: ["Altstack", "DriverProtocol", "TestSupport", logging, lifecycle], swiftSettings: strict),
        .testTarget(name: "DriverConformanceTests", dependencies: ["JSON", "DriverConformance", "Altstack", "DriverProtocol", "TestSupport"],
                    swiftSettings: strict),
        // DriverCores and their driver executables
        .testTarget(name: "AddressManagerTests", dependencies: ["AddressManager", "BitcoinPrimitives"], swiftSettings: strict),
        .testTarget(name: "BIP324DriverTests", dependencies: ["JSON", "DriverConformance", "BIP324DriverCore", "AddressManager", "BIP324", "Altstack", "DriverProtocol", "BitcoinPrimitives", "BitcoindRPC", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "BIP324ProxyTests", dependencies: ["BIP324ProxyCore", "BIP324DriverCore", "BIP324", "BitcoinPrimitives", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "GetBlockFromPeerDriverTests",
                    dependencies: ["GetBlockFromPeerDriverCore", "BitcoindRPC", "Simnode", "BitcoinPrimitives", "DriverProtocol", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "RPCProxyTests",
                    dependencies: ["JSON", "RPCProxyCore", "GetBlockFromPeerDriverCore", "BitcoindRPC", "BitcoinPrimitives", "TestSupport", nioCore, logging, prometheus],
                    swiftSettings: strict),
        .testTarget(name: "EsploraDriverTests",
                    dependencies: ["JSON", "EsploraDriverCore", "DriverKit", "Altstack", "DriverProtocol", "BitcoinPrimitives", "HeaderChain", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "LightningDriverTests",
                    dependencies: [
                        "JSON", "LightningDriverCore", "BOLT8", "LightningAltnetMessages", "DriverConformance", "Altstack", "DriverProtocol",
                        "BitcoinPrimitives", "Secp256k1", "TestSupport", crypto, logging,
                    ],
                    swiftSettings: strict),
        .testTarget(name: "CLNDriverTests",
                    dependencies: ["CLNDriverCore", "LightningDriverCore", "LightningAltnetMessages", "DriverProtocol", "JSON", "BitcoinPrimitives", "TestSupport"],
                    swiftSettings: strict),
        // Daemon
        // The bench's pure parts (figure summaries, CPU ceilings, /proc parsing), through @testable.
        .testTarget(name: "AltnetBenchTests", dependencies: ["altnet-bench"], swiftSettings: strict),
        .testTarget(name: "AltLogicTests",
                    dependencies: ["AltLogic", "Altstack", "DriverProtocol", "BitcoinPrimitives", "HeaderChain", "BitcoindRPC",
                                   "Watchdog", "Secp256k1", "TestSupport", logging],
                    swiftSettings: strict),
        .testTarget(name: "AltnetDaemonTests",
                    dependencies: ["JSON", "AltnetDaemon", "AltnetControl", "AltnetConfig", "Altstack", "DriverProtocol", "HTTPService",
                                   "BitcoinPrimitives", "BitcoindRPC", "Secp256k1", "TestSupport"],
                    swiftSettings: strict),
        // Doubles
        .testTarget(name: "SimnodeTests", dependencies: ["JSON", "Simnode", "BitcoinPrimitives", "BitcoindRPC", "CZeroMQ", "TestSupport"], swiftSettings: strict),
        // End to end: the demo (altnet-harness demo) as a user runs it
        .testTarget(name: "DemoTests", dependencies: ["TestSupport"], swiftSettings: strict),
        // The house rules that no compiler checks (type names, the import rule, test targets per
        // module) and TestSupport's own leftover-process check.
        .testTarget(name: "RepositoryTests", dependencies: ["TestSupport"], swiftSettings: strict),
    ]
)
