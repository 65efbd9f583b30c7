// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "klaxon",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "klaxon", targets: ["klaxon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // The one door to C: librdkafka through pkg-config. Only KlaxonKafka/RDKafka imports it.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // Pure core: alert model, severity, decoders. No I/O, no clocks.
        .target(
            name: "KlaxonCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "KlaxonKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "KlaxonStore",
            dependencies: [
                "KlaxonCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "KlaxonDelivery",
            dependencies: [
                "KlaxonCore",
                "KlaxonStore",
                "KlaxonKafka",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .target(
            name: "KlaxonService",
            dependencies: [
                "KlaxonCore",
                "KlaxonKafka",
                "KlaxonStore",
                "KlaxonDelivery",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Served at /api/v1/openapi.yaml and /console.css; compiled in, so the binary needs no
            // resource bundle.
            resources: [.embedInCode("API/openapi.yaml"), .embedInCode("Console/console.css")]
        ),
        .executableTarget(
            name: "klaxon",
            dependencies: [
                "KlaxonCore",
                "KlaxonKafka",
                "KlaxonService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Benchmarks measure; they are not tests (`make bench`).
        .executableTarget(
            name: "DecodeBench",
            dependencies: ["KlaxonCore"],
            path: "Benchmarks/DecodeBench"
        ),
        .executableTarget(
            name: "DedupBench",
            dependencies: ["KlaxonCore", "KlaxonStore"],
            path: "Benchmarks/DedupBench"
        ),
        .executableTarget(
            name: "DeliveryBench",
            dependencies: [
                "KlaxonCore", "KlaxonStore", "KlaxonDelivery",
                // EncoderNotificationJSON: the JSONEncoder reference the body writer is measured against.
                "KlaxonTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DeliveryBench"
        ),
        .executableTarget(
            name: "PipelineBench",
            dependencies: [
                "KlaxonCore", "KlaxonKafka", "KlaxonService",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/PipelineBench"
        ),
        // `make chaos`: klaxon run under kill -9, a paused broker, failing and hanging receivers
        // and malformed input; checks that nothing was lost (not a test: minutes long).
        .executableTarget(
            name: "Chaos",
            dependencies: [
                "KlaxonKafka", "KlaxonStore", "KlaxonTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/Chaos"
        ),
        .executableTarget(
            name: "RoutingBench",
            dependencies: ["KlaxonCore"],
            path: "Benchmarks/RoutingBench"
        ),
        // Test support shared by the test targets: seeded randomness, child processes run off
        // the concurrency pool, polling with deadlines, temp folders and state files, HTTP
        // receivers with scripted answers, the embedded broker's read-back. Not shipped.
        .target(
            name: "KlaxonTesting",
            dependencies: [
                "KlaxonKafka",
                "KlaxonStore",
                // For LoopbackServer, the Hummingbird server the demo's recorder runs on too.
                "KlaxonService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/KlaxonTesting"
        ),
        .testTarget(
            name: "KlaxonCoreTests",
            dependencies: ["KlaxonCore", "KlaxonTesting"]
        ),
        .testTarget(
            name: "KlaxonKafkaTests",
            dependencies: ["KlaxonKafka", "KlaxonTesting"]
        ),
        .testTarget(
            name: "KlaxonIntegrationTests",
            dependencies: [
                "klaxon",
                "KlaxonTesting",
                "KlaxonCore",
                "KlaxonKafka",
                "KlaxonStore",
                "KlaxonService",
                "KlaxonDelivery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
