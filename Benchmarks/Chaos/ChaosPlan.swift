import Foundation

/// What one `make chaos` run does, and the configuration it gives `klaxon run`. Every number
/// has a default sized for a 2-core machine; the seed makes the stream and the kill schedule
/// the same on every run.
struct ChaosPlan {
    /// Distinct runtime events (each one alert).
    var events = 100_000
    /// Copies of earlier events mixed in: deduplication must not make them new alerts.
    var duplicates = 10_000
    /// Messages no decoder accepts: each must reach the dead-letter topic, none may stop the service.
    var malformed = 10_000
    /// Seconds over which the stream is produced.
    var produceSeconds = 60.0
    /// `kill -9` of the service every `killEvery` seconds, give or take a third.
    var killEvery = 8.0
    /// The broker is stopped (SIGSTOP) a third into the stream for `pauseSeconds`, then resumed.
    var pauseAt: Double { produceSeconds / 3 }
    var pauseSeconds = 5.0
    /// The "flaky" receiver answers 503 from a sixth into the stream, for `failingFor` seconds.
    var failingFrom: Double { produceSeconds / 6 }
    var failingFor = 30.0
    /// The whole run, chaos and the wait for every notification, ends by then (a failure).
    var deadlineSeconds = 900.0
    var seed: UInt64 = 0xC4A05
    var partitions = 48
    /// `klaxon run` processes in one consumer group, each on its own state file; a kill hits
    /// one of them (seeded). With more than one, a group whose alerts fall on two instances is
    /// notified by each with its part (each part its own key), which the checks do not tell
    /// from one instance's notifications; the notify stage (docs/scaling.md, step 4) ends that.
    var instances = 1

    static let topic = "chaos.events"
    static let deadLetters = "chaos.deadletter"
    /// Receivers: one that always answers, one that fails for `failingFor`, one that never answers.
    static let receivers = ["steady", "flaky", "stuck"]

    /// Reads `--events N`, `--duplicates N`, `--malformed N`, `--seconds S`, `--kill-every S`, `--seed N`, `--deadline S`.
    init(arguments: [String]) throws {
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw ChaosFailure("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        func number(_ s: String, _ flag: String) throws -> Double {
            guard let d = Double(s), d >= 0 else { throw ChaosFailure("\(flag) takes a non-negative number, got \(s)") }
            return d
        }
        while i < arguments.count {
            let flag = arguments[i]
            switch flag {
            case "--events": events = Int(try number(try value(), flag))
            case "--duplicates": duplicates = Int(try number(try value(), flag))
            case "--malformed": malformed = Int(try number(try value(), flag))
            case "--seconds": produceSeconds = try number(try value(), flag)
            case "--kill-every": killEvery = try number(try value(), flag)
            case "--seed": seed = UInt64(try number(try value(), flag))
            case "--deadline": deadlineSeconds = try number(try value(), flag)
            case "--instances": instances = Int(try number(try value(), flag))
            default:
                throw ChaosFailure("unknown argument \(flag) (--events, --duplicates, --malformed, --seconds, --kill-every, --seed, --deadline, --instances)")
            }
            i += 1
        }
        guard events > 0 else { throw ChaosFailure("--events must be at least 1") }
        guard (1...8).contains(instances) else { throw ChaosFailure("--instances must be 1 to 8") }
    }

    /// Instance `i`'s state file: `klaxon.db` for the first, as a one-instance run always had.
    func stateFile(_ i: Int, dir: String) -> String { "\(dir)/" + (i == 0 ? "klaxon.db" : "klaxon-\(i).db") }

    func serviceConfig(brokers: String, dir: String, instance: Int = 0) -> String {
        """
        kafka:
          brokers: \(brokers)
          group_id: chaos
          topics:
            - {name: \(Self.topic), format: auto}
          dead_letter_topic: \(Self.deadLetters)
          batch: {max_records: 1000, max_wait: 50ms}
          # A killed member leaves the group when its session times out: keep that short.
          properties: {auto.offset.reset: earliest, session.timeout.ms: '6000', heartbeat.interval.ms: '500'}
        state:
          path: \(stateFile(instance, dir: dir))
        delivery:
          timeout: 2s
        routes: [\(dir)/routes.yml]
        """
    }

    /// Every alert to all three receivers, grouped by rule and host (~200 groups that grow
    /// during the run, so a group is notified again every `group_interval` while it changes).
    func routes(urls: [String: String]) -> String {
        var out = """
            environment_thresholds: {}
            route:
              receiver: steady
              group_by: [alertname, host]
              group_wait: 1s
              group_interval: 5s
              repeat_interval: 4h
              routes:
                - {receiver: steady, continue: true}
                - {receiver: flaky, continue: true}
                - {receiver: stuck}
            receivers:

            """
        for name in Self.receivers { out += "  - name: \(name)\n    webhook_configs: [{url: '\(urls[name] ?? "")'}]\n" }
        return out
    }
}

struct ChaosFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
