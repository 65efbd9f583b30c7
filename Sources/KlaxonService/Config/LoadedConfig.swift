import Foundation
import KlaxonCore

/// The service config and the routing config it names, read from disk with `${ENV}` expanded.
public struct LoadedConfig: Sendable {
    public var service: ServiceConfig
    public var routing: RoutingConfig
    /// `suppressions:` and `thresholds:` from the same route files.
    public var noise: NoiseConfig
    /// The route files that were read, in order.
    public var routeFiles: [String]

    public init(service: ServiceConfig, routing: RoutingConfig, noise: NoiseConfig = NoiseConfig(), routeFiles: [String]) {
        self.service = service
        self.routing = routing
        self.noise = noise
        self.routeFiles = routeFiles
    }

    /// Reads `path` and the route files it names. Relative paths resolve against the working
    /// directory. Throws `ConfigError` (file, line, column, reason) or a file-system error.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LoadedConfig {
        let text = try readText(path)
        let service = try ServiceConfig.load(yaml: try EnvironmentExpansion.expand(text, file: path, environment: environment), file: path)
        let (routing, noise, files) = try loadRoutes(service.routes, environment: environment)
        return LoadedConfig(service: service, routing: routing, noise: noise, routeFiles: files)
    }

    /// Loads route files (or folders of them) as one routing config, `${ENV}` expanded.
    public static func loadRouting(
        _ entries: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (RoutingConfig, [String]) {
        let (routing, _, files) = try loadRoutes(entries, environment: environment)
        return (routing, files)
    }

    /// Loads route files as the routing config and the noise rules they hold.
    public static func loadRoutes(
        _ entries: [String], environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (RoutingConfig, NoiseConfig, [String]) {
        let files = try routeFiles(entries)
        guard !files.isEmpty else {
            throw ConfigError(
                code: .missingKey, file: entries.joined(separator: ", "), line: 0, column: 0, keyPath: "routes",
                reason: "no route files found")
        }
        var sources: [ConfigSource] = []
        for f in files {
            sources.append(ConfigSource(file: f, yaml: try EnvironmentExpansion.expand(try readText(f), file: f, environment: environment)))
        }
        return (try RoutingConfig.load(sources), try NoiseConfig.load(sources), files)
    }

    /// Files as given, folders expanded to their `*.yml`/`*.yaml` files in name order.
    static func routeFiles(_ entries: [String]) throws -> [String] {
        var result: [String] = []
        for entry in entries {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: entry, isDirectory: &isDir) else {
                throw ConfigError(code: .invalidValue, file: entry, line: 0, column: 0, keyPath: "routes", reason: "no such file or folder")
            }
            if isDir.boolValue {
                result += try FileManager.default.contentsOfDirectory(atPath: entry)
                    .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
                    .sorted()
                    .map { (entry as NSString).appendingPathComponent($0) }
            } else {
                result.append(entry)
            }
        }
        return result
    }

    public static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(code: .invalidValue, file: path, line: 0, column: 0, keyPath: "", reason: "cannot read file")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
