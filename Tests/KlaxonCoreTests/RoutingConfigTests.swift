import Testing
@testable import KlaxonCore

@Suite struct RoutingConfigTests {
    static let minimal = """
    route:
      receiver: default
    receivers:
      - name: default
    """

    func error(_ yaml: String, file: String = "routes/test.yml") -> ConfigError? {
        do {
            _ = try RoutingConfig.load(yaml: yaml, file: file)
            return nil
        } catch {
            return error
        }
    }

    @Test func minimalConfigUsesAlertmanagerDefaults() throws {
        let c = try RoutingConfig.load(yaml: Self.minimal, file: "a.yml")
        #expect(c.route.receiver == "default")
        #expect(c.route.groupWait == .seconds(30))
        #expect(c.route.groupInterval == .seconds(300))
        #expect(c.route.repeatInterval == .seconds(14400))
        #expect(c.route.groupBy == .labels([]))
        #expect(c.route.key == "{}")
        #expect(c.receivers.map(\.name) == ["default"])
        #expect(c.warnings.isEmpty)
    }

    @Test func childrenInheritUnsetOptions() throws {
        let c = try RoutingConfig.load(yaml: """
        route:
          receiver: default
          group_by: [alertname]
          group_wait: 10s
          repeat_interval: 1h30m
          routes:
            - matchers: ['team="db"']
              group_interval: 1m
              routes:
                - receiver: db
                  match: {severity: critical}
                  group_by: ['...']
                - match_re: {severity: "warn.*"}
                  group_by: []
        receivers:
          - name: default
          - name: db
        """, file: "a.yml")
        let team = c.route.routes[0]
        #expect(team.receiver == "default")
        #expect(team.groupBy == .labels(["alertname"]))
        #expect(team.groupWait == .seconds(10))
        #expect(team.groupInterval == .seconds(60))
        #expect(team.repeatInterval == .seconds(5400))
        #expect(team.key == "{}/{team=\"db\"}")
        #expect(team.id == "{}/{team=\"db\"}/0")
        let db = team.routes[0]
        #expect(db.receiver == "db")
        #expect(db.groupBy == .all)
        #expect(db.groupInterval == .seconds(60))
        #expect(db.key == "{}/{team=\"db\"}/{severity=\"critical\"}")
        let warn = team.routes[1]
        #expect(warn.receiver == "default")
        #expect(warn.groupBy == .labels(["alertname"]), "an explicitly empty group_by inherits, as in Alertmanager")
        #expect(warn.matchers.map(\.description) == ["severity=~\"warn.*\""])
    }

    @Test func matchersAreSortedLikeAlertmanager() throws {
        let c = try RoutingConfig.load(yaml: """
        route:
          receiver: default
          routes:
            - matchers: ['team=~"web|frontend"', 'cluster!="staging"']
              match: {alertname: Foo}
        receivers: [{name: default}]
        """, file: "a.yml")
        #expect(c.route.routes[0].key == #"{}/{alertname="Foo",cluster!="staging",team=~"web|frontend"}"#)
    }

    @Test func acceptsAndWarnsAboutAlertmanagerOnlySections() throws {
        let c = try RoutingConfig.load(yaml: """
        global:
          resolve_timeout: 10m
          smtp_smarthost: mail.example.com:25
        templates: ['/etc/am/*.tmpl']
        route:
          receiver: mail
        receivers:
          - name: mail
            email_configs:
              - to: ops@example.com
        """, file: "am.yml")
        #expect(c.warnings.map(\.description) == [
            "am.yml:3:3: global.smtp_smarthost: Alertmanager's global smtp_smarthost is not used by Klaxon (receivers set their own); ignored",
            "am.yml:4:1: templates: Alertmanager's templates section is not used by Klaxon; ignored",
            "am.yml:9:5: receivers[0].email_configs: receiver \"mail\": email_configs are not delivered by Klaxon yet; ignored",
        ])
        #expect(c.resolveTimeout == .seconds(600), "global.resolve_timeout is honoured (pushes without endsAt)")
        #expect(try RoutingConfig.load(yaml: "route: {receiver: r}\nreceivers: [{name: r}]", file: "a.yml").resolveTimeout == .seconds(300))
        #expect(throws: ConfigError.self) {
            try RoutingConfig.load(yaml: "global: {resolve_timout: 5m}\nroute: {receiver: r}\nreceivers: [{name: r}]", file: "a.yml")
        }
        #expect(c.receivers[0].unsupportedKinds == ["email_configs"])
    }

    @Test(arguments: [
        ("route:\n  receiver: default\n  routes:\n    - receiver: default\n    - receiver: default\n    - receiver: team-X\nreceivers: [{name: default}]",
         "routes/test.yml:6:17: route.routes[2].receiver: undefined receiver \"team-X\" used in route"),
        ("route:\n  receiver: default\n  recevier: x\nreceivers: [{name: default}]",
         "routes/test.yml:3:3: route.recevier: unknown field \"recevier\""),
        ("route:\n  receiver: default\n  group_wait: 30 seconds\nreceivers: [{name: default}]",
         "routes/test.yml:3:15: route.group_wait: not a valid duration string: \"30 seconds\""),
        ("route:\n  receiver: default\n  routes:\n    - matchers: ['team=\"db']\nreceivers: [{name: default}]",
         "routes/test.yml:4:18: route.routes[0].matchers[0]: matcher value contains unescaped double quote: \"db"),
        ("route:\n  receiver: default\n  routes:\n    - matchers: ['team']\nreceivers: [{name: default}]",
         "routes/test.yml:4:18: route.routes[0].matchers[0]: bad matcher format: team"),
        ("route:\n  receiver: default\n  routes:\n    - matchers: ['team=~\"(db\"']\nreceivers: [{name: default}]",
         "routes/test.yml:4:18: route.routes[0].matchers[0]: invalid regular expression \"(db\""),
        ("route:\n  receiver: default\n  group_interval: 0s\nreceivers: [{name: default}]",
         "routes/test.yml:3:19: route.group_interval: group_interval cannot be zero"),
        ("route:\n  receiver: default\n  matchers: [a=b]\nreceivers: [{name: default}]",
         "routes/test.yml:2:3: route: root route must not have any matchers"),
        ("route:\n  group_by: [a]\nreceivers: [{name: default}]",
         "routes/test.yml:2:3: route: root route must specify a default receiver"),
        ("route:\n  receiver: default\n  group_by: [a, a]\nreceivers: [{name: default}]",
         "routes/test.yml:3:17: route.group_by[1]: duplicated label \"a\" in group_by"),
        ("route:\n  receiver: default\n  group_by: ['...', a]\nreceivers: [{name: default}]",
         "routes/test.yml:3:13: route.group_by: cannot have wildcard group_by (`...`) and other other labels at the same time"),
        ("route:\n  receiver: default\nreceivers:\n  - name: default\n  - name: default",
         "routes/test.yml:5:5: receivers[1]: notification config name \"default\" is not unique (first defined at routes/test.yml:4:5)"),
        ("route:\n  receiver: default\nreceivers:\n  - webhook_configs: []",
         "routes/test.yml:4:5: receivers[0]: missing name in receiver"),
        ("route:\n  receiver: default\nreceivers:\n  - name: default\n    webhook_configs:\n      - send_resolved: false",
         "routes/test.yml:6:9: receivers[0].webhook_configs[0]: one of url or url_file must be configured"),
        ("route:\n  receiver: default\nreceivers:\n  - name: default\n    webhook_configs:\n      - url: http://x\n        url_file: /run/u",
         "routes/test.yml:6:9: receivers[0].webhook_configs[0]: at most one of url & url_file must be configured"),
        ("route:\n  receiver: default\nreceivers:\n  - name: default\n    min_severity: severe",
         "routes/test.yml:5:19: receivers[0].min_severity: unknown severity \"severe\" (expected one of unknown, info, low, medium, high, critical, fatal)"),
        ("route:\n  receiver: default\n  routes:\n    - receiver: default\n      mute_time_intervals: [nights]\nreceivers: [{name: default}]",
         "routes/test.yml:5:29: route.routes[0].mute_time_intervals[0]: undefined time interval \"nights\" used in route"),
        ("route:\n  receiver: default\nreceivers:\n  - name: default\n    webhook_configs: [{url: 'ftp://x/y'}]",
         "routes/test.yml:5:29: receivers[0].webhook_configs[0].url: unsupported scheme \"ftp\" for URL"),
        ("route:\n  receiver: default\n  continue: true\nreceivers: [{name: default}]",
         "routes/test.yml:2:3: route: cannot have continue in root route"),
        ("receivers: [{name: default}]",
         "routes/test.yml: route: no route provided in config"),
        ("route:\n  receiver: default\nreceivers: [{name: default}]\nsilences: []",
         "routes/test.yml:4:1: silences: unknown field \"silences\""),
        ("route:\n  receiver: default\n  routes: {receiver: x}\nreceivers: [{name: default}]",
         "routes/test.yml:3:11: route.routes: expected a list, got a mapping"),
        ("route:\n  receiver: [default\n",
         "routes/test.yml:3:1: yaml: while parsing a flow sequence did not find expected ',' or ']'"),
        ("route:\n  receiver: default\n  continue: maybe\nreceivers: [{name: default}]",
         "routes/test.yml:3:13: route.continue: expected true or false, got \"maybe\""),
        ("route:\n  receiver: default\n  match: {\"bad-name\": x}\nreceivers: [{name: default}]",
         "routes/test.yml:3:23: route.match.bad-name: invalid label name \"bad-name\""),
        ("route:\n  receiver: default\ntime_intervals:\n  - name: n\n    time_intervals:\n      - weekdays: ['friday:monday']\nreceivers: [{name: default}]",
         "routes/test.yml:6:20: time_intervals[0].time_intervals[0].weekdays[0]: start day cannot be before end day"),
    ])
    func refusesBadConfigWithExactText(yaml: String, expected: String) {
        #expect(error(yaml)?.description == expected)
    }

    @Test func errorCarriesCodeAndPosition() throws {
        let e = try #require(error("route:\n  receiver: nope\nreceivers: [{name: default}]"))
        #expect(e.code == .undefinedReference)
        #expect(e.line == 2)
        #expect(e.column == 13)
        #expect(e.keyPath == "route.receiver")
        #expect(e.reason == "undefined receiver \"nope\" used in route")
    }

    @Test func mergesSeveralFiles() throws {
        let c = try RoutingConfig.load([
            ConfigSource(file: "routes/00-root.yml", yaml: "route:\n  receiver: default\n  routes:\n    - receiver: db\n      matchers: [team=db]\nreceivers: [{name: default}]"),
            ConfigSource(file: "routes/10-db.yml", yaml: "receivers:\n  - name: db\n    file_configs: [{path: /var/log/db.jsonl}]\ninhibit_rules:\n  - source_matchers: [severity=critical]\n    target_matchers: [severity=warning]"),
        ])
        #expect(c.receivers.map(\.name) == ["default", "db"])
        #expect(c.inhibitRules.count == 1)
        #expect(c.receiver(named: "db")?.fileConfigs == [FileConfig(path: "/var/log/db.jsonl")])
    }

    @Test func mergeRefusesTwoRoutesAndDuplicateReceiversAcrossFiles() {
        let a = ConfigSource(file: "a.yml", yaml: "route:\n  receiver: x\nreceivers: [{name: x}]")
        let b = ConfigSource(file: "b.yml", yaml: "route:\n  receiver: x\n")
        let c = ConfigSource(file: "c.yml", yaml: "receivers:\n  - name: x\n")
        #expect(throws: ConfigError.self) { try RoutingConfig.load([a, b]) }
        do { _ = try RoutingConfig.load([a, b]) } catch {
            #expect(error.description == "b.yml:2:3: route: route is already defined in a.yml:2:3")
        }
        do { _ = try RoutingConfig.load([a, c]) } catch {
            #expect(error.description == "c.yml:2:5: receivers[0]: notification config name \"x\" is not unique (first defined at a.yml:3:13)")
        }
    }

    @Test func decodesEveryReceiverKind() throws {
        let c = try RoutingConfig.load(yaml: """
        route: {receiver: all}
        receivers:
          - name: all
            min_severity: high
            webhook_configs:
              - url: https://hooks.example.com/a
                max_alerts: 10
                send_resolved: false
                hmac_secret_env: KLAXON_HMAC
                http_config:
                  authorization: {type: Bearer, credentials_file: /run/secrets/token}
                  tls_config: {ca_file: /etc/ca.pem}
              - url_file: /run/secrets/url
            file_configs:
              - path: /var/log/klaxon/all.jsonl
            kafka_configs:
              - topic: security.notifications
                key_label: cluster
            sns_configs:
              - topic_arn: arn:aws:sns:eu-west-1:123456789012:alerts
                api_url: http://127.0.0.1:5000
                sigv4: {region: eu-west-1}
                attributes: {team: sec}
            pagerduty_configs:
              - routing_key_file: /run/secrets/pd
                severity: critical
            slack_configs:
              - api_url_file: /run/secrets/slack
                channel: '#alerts'
        """, file: "r.yml")
        let r = try #require(c.receiver(named: "all"))
        #expect(r.minSeverity == .high)
        #expect(r.accepts(.critical) && !r.accepts(.medium))
        #expect(r.webhookConfigs == [
            WebhookConfig(url: "https://hooks.example.com/a", sendResolved: false, maxAlerts: 10,
                          httpConfig: HTTPClientConfig(credentialsFile: "/run/secrets/token", tlsCAFile: "/etc/ca.pem"),
                          hmacSecretEnv: "KLAXON_HMAC"),
            WebhookConfig(urlFile: "/run/secrets/url"),
        ])
        #expect(r.kafkaConfigs == [KafkaSinkConfig(topic: "security.notifications", keyLabel: "cluster")])
        #expect(r.snsConfigs.first?.topicARN == "arn:aws:sns:eu-west-1:123456789012:alerts")
        #expect(r.snsConfigs.first?.region == "eu-west-1")
        #expect(r.snsConfigs.first?.attributes == ["team": "sec"])
        #expect(r.pagerdutyConfigs.first?.routingKeyFile == "/run/secrets/pd")
        #expect(r.pagerdutyConfigs.first?.sendResolved == true)
        #expect(r.slackConfigs.first?.channel == "#alerts")
        #expect(r.slackConfigs.first?.sendResolved == false)
        #expect(r.integrationCount == 7)
        #expect(c.warnings.isEmpty)
    }

    @Test func anchorsAndMergeKeysWork() throws {
        let c = try RoutingConfig.load(yaml: """
        route:
          receiver: a
          routes:
            - &db {receiver: b, matchers: [team=db], group_wait: 10s}
            - <<: *db
              group_wait: 20s
        receivers:
          - name: a
          - name: b
            webhook_configs:
              - &hook {url: 'http://127.0.0.1:1/x', send_resolved: false}
              - <<: *hook
                max_alerts: 5
        """, file: "m.yml")
        #expect(c.route.routes.map(\.groupWait) == [.seconds(10), .seconds(20)])
        #expect(c.route.routes[1].receiver == "b")
        #expect(c.receivers[1].webhookConfigs.map(\.maxAlerts) == [0, 5])
        #expect(c.receivers[1].webhookConfigs.map(\.sendResolved) == [false, false])
    }

    @Test func durationsParseAndPrintLikePrometheus() {
        #expect(ConfigDuration.parse("1h30m") == .seconds(5400))
        #expect(ConfigDuration.parse("250ms") == .milliseconds(250))
        #expect(ConfigDuration.parse("1d") == .seconds(86400))
        #expect(ConfigDuration.parse("0") == .zero)
        #expect(ConfigDuration.parse("30m1h") == nil)
        #expect(ConfigDuration.parse("5") == nil)
        #expect(ConfigDuration.parse("") == nil)
        #expect(ConfigDuration.format(.seconds(5400)) == "1h30m")
        #expect(ConfigDuration.format(.seconds(14400)) == "4h")
        #expect(ConfigDuration.format(.zero) == "0s")
    }
}
