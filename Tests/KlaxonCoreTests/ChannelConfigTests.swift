import KlaxonCore
import Testing

/// Receiver configs for the channels: every `http_config` field honoured or refused with its
/// position, the AWS blocks, templates checked at load, and URL redaction.
@Suite struct ChannelConfigTests {
    func receiver(_ yaml: String) throws -> Receiver {
        let c = try RoutingConfig.load(yaml: "route: {receiver: r}\nreceivers:\n  - name: r\n" + yaml, file: "r.yml")
        return try #require(c.receiver(named: "r"))
    }

    func refusal(_ yaml: String) -> String {
        do {
            _ = try receiver(yaml)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func redactedURLHidesPasswordsQueryValuesAndOnRequestThePath() {
        #expect(RedactedURL("https://user:pa55@host:8443/path?token=abc&x=1#frag").description == "https://user:***@host:8443/path?token=***&x=***")
        #expect(RedactedURL("https://TOKEN@host/p").description == "https://***@host/p")
        #expect(RedactedURL("http://127.0.0.1:9/alerts").description == "http://127.0.0.1:9/alerts")
        #expect(RedactedURL("https://hooks.slack.com/services/T0/B0/XYZ", hidePath: true).description == "https://hooks.slack.com/***")
        #expect(RedactedURL("not a url?key=v").description == "not a url?key=***")
    }

    @Test func httpConfigFieldsAreKept() throws {
        let r = try receiver("""
            webhook_configs:
              - url: https://h/x
                http_config:
                  basic_auth: {username: klaxon, password_file: /run/pw}
                  proxy_url: http://proxy:3128
                  follow_redirects: false
                  enable_http2: false
                  tls_config: {ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem, server_name: hooks.internal, insecure_skip_verify: true, min_version: TLS12}
        """)
        #expect(r.webhookConfigs.first?.httpConfig == HTTPClientConfig(
            basicAuthUsername: "klaxon", basicAuthPasswordFile: "/run/pw", proxyURL: "http://proxy:3128", followRedirects: false,
            enableHTTP2: false, tlsCAFile: "/ca.pem", tlsCertFile: "/c.pem", tlsKeyFile: "/k.pem", tlsServerName: "hooks.internal",
            tlsInsecureSkipVerify: true, tlsMinVersion: "TLS12"))
    }

    @Test func httpConfigFieldsKlaxonCannotHonourAreRefusedWithTheirPosition() {
        let head = "    webhook_configs:\n      - url: https://h/x\n        http_config:\n"
        #expect(refusal(head + "          oauth2: {client_id: a}\n")
            == "r.yml:7:11: receivers[0].webhook_configs[0].http_config.oauth2: oauth2 is not supported by Klaxon; use authorization.credentials_file with a token")
        #expect(refusal(head + "          no_proxy: localhost\n").contains("http_config.no_proxy: no_proxy is not supported"))
        #expect(refusal(head + "          tls_config: {key: inline}\n").contains("tls_config.key: inline key is not supported by Klaxon; use key_file"))
        #expect(refusal(head + "          tls_config: {cert_file: /c.pem}\n").contains("client cert_file and key_file must be configured together"))
        #expect(refusal(head + "          tls_config: {min_version: TLS9}\n").contains("unknown TLS version \"TLS9\""))
        #expect(refusal(head + "          authorization: {type: Basic, credentials: x}\n").contains("use \"basic_auth\" instead"))
        #expect(refusal(head + "          proxy_url: ftp://p\n").contains("must start with http://, https:// or socks5://"))
        #expect(refusal(head + "          basic_auth: {password_file: /p}\n").contains("basic_auth needs username or username_file"))
    }

    @Test func awsReceiversDecodeAndRoleARNIsRefused() throws {
        let r = try receiver("""
            sns_configs:
              - topic_arn: arn:aws:sns:eu-west-1:123456789012:alerts.fifo
                sigv4: {region: eu-west-1, access_key: AKIA1, secret_key_file: /run/aws, profile: sec}
                subject: '{{title}}'
            cloudwatch_logs_configs:
              - {log_group: /klaxon, api_url: 'http://127.0.0.1:5000'}
            securityhub_configs:
              - {account_id: '123456789012', sigv4: {credentials_file: /run/creds}}
        """)
        #expect(r.snsConfigs.first?.sigv4 == AWSAuthConfig(region: "eu-west-1", accessKey: "AKIA1", secretKeyFile: "/run/aws", profile: "sec"))
        #expect(r.cloudwatchLogsConfigs == [CloudWatchLogsConfig(logGroup: "/klaxon", apiURL: "http://127.0.0.1:5000")])
        #expect(r.securityHubConfigs.first?.sigv4.credentialsFile == "/run/creds")
        #expect(r.integrationCount == 3)
        #expect(refusal("    sns_configs:\n      - {topic_arn: 'arn:aws:sns:x', sigv4: {role_arn: 'arn:aws:iam::1:role/x'}}\n").contains("role_arn is not supported by Klaxon"))
        #expect(refusal("    sns_configs:\n      - {topic_arn: 'arn:aws:sns:x', phone_number: '+15550100'}\n").contains("at most one of topic_arn, target_arn & phone_number"))
        #expect(refusal("    securityhub_configs:\n      - {account_id: '12'}\n").contains("account_id must be a 12-digit AWS account id"))
    }

    @Test func templatesAreCheckedAtLoadAndGoTemplatesAreRefused() throws {
        let r = try receiver("""
            pagerduty_configs:
              - routing_key_file: /run/pd
                description: '{{title}}'
                links: [{href: 'https://k/{{groupKey}}', text: Klaxon}]
            slack_configs:
              - {app_token_file: /run/slack, channel: '#sec', text: '{{#alerts}}{{labels.cve}} {{/alerts}}'}
        """)
        #expect(r.pagerdutyConfigs.first?.links == [PagerDutyLink(href: "https://k/{{groupKey}}", text: "Klaxon")])
        #expect(r.slackConfigs.first?.usesBotToken == true)
        #expect(refusal("    slack_configs:\n      - {api_url_file: /s, title: '{{ .CommonLabels.alertname }}'}\n").contains("Go template syntax is not supported"))
        #expect(refusal("    slack_configs:\n      - {api_url_file: /s, text: '{{#alerts}}'}\n").contains("invalid Mustache template"))
        #expect(refusal("    slack_configs:\n      - {app_token_file: /s}\n").contains("channel is required with app_token"))
        #expect(refusal("    webhook_configs:\n      - {url: 'https://h', content_type: text/plain}\n").contains("content_type applies only with body_template"))
    }

    @Test func aURLWithCredentialsIsWarnedAboutRedacted() throws {
        let c = try RoutingConfig.load(yaml: "route: {receiver: r}\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: 'https://u:hunter2@h/x?k=v'\n", file: "r.yml")
        #expect(c.warnings.map(\.description) == ["r.yml:5:14: receivers[0].webhook_configs[0].url: URL carries credentials or a query (https://u:***@h/x?k=***); prefer url_file or http_config"])
    }
}
