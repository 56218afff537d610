// swift-tools-version:6.0
// Apiary: federated, privacy-preserving synthetic data. No Swift package dependencies:
// the only external code is the system's GMP and OpenSSL 3, wrapped in Sources/CGMP and
// Sources/COpenSSL and imported only by Shared.
import PackageDescription

let package = Package(
    name: "Apiary",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "apiary-coordinator", targets: ["apiary-coordinator"]),
        .executable(name: "apiary-agent", targets: ["apiary-agent"]),
        .executable(name: "apiary-bench", targets: ["apiary-bench"]),
    ],
    targets: [
        .systemLibrary(
            name: "CGMP",
            path: "Sources/CGMP",
            pkgConfig: "gmp",
            providers: [.apt(["libgmp-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "Shared",
            dependencies: ["CGMP", "COpenSSL"],
            path: "Sources/Shared"
        ),
        // Logic of each executable lives in a library so tests can drive it; main.swift stays thin.
        .target(
            name: "CoordinatorKit",
            dependencies: ["Shared"],
            path: "Sources/Coordinator",
            exclude: ["main"]
        ),
        .executableTarget(
            name: "apiary-coordinator",
            dependencies: ["CoordinatorKit", "Shared"],
            path: "Sources/Coordinator/main"
        ),
        .target(
            name: "AgentKit",
            dependencies: ["Shared"],
            path: "Sources/Agent",
            exclude: ["main"]
        ),
        .executableTarget(
            name: "apiary-agent",
            dependencies: ["AgentKit", "Shared"],
            path: "Sources/Agent/main"
        ),
        .executableTarget(
            name: "apiary-bench",
            dependencies: ["Shared", "CoordinatorKit", "AgentKit"],
            path: "Sources/Bench"
        ),
        // Fixtures shared by several test targets (built only for tests).
        .target(
            name: "TestSupport",
            dependencies: ["Shared"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: ["Shared", "TestSupport"],
            path: "Tests/SharedTests"
        ),
        .testTarget(
            name: "AgentTests",
            dependencies: ["AgentKit", "Shared", "TestSupport"],
            path: "Tests/AgentTests"
        ),
        .testTarget(
            name: "CoordinatorTests",
            dependencies: ["CoordinatorKit", "Shared"],
            path: "Tests/CoordinatorTests"
        ),
        // Loopback-only tests that start servers and processes themselves.
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["Shared", "CoordinatorKit", "AgentKit"],
            path: "Tests/IntegrationTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
