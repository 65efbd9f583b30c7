import Foundation
import KlaxonCore
import KlaxonDelivery
import KlaxonStore

extension SinkFactory {
    static func webhook(_ w: WebhookConfig, environment: [String: String]) throws -> WebhookSink {
        guard let url = try w.url ?? secret(file: w.urlFile, env: nil, environment: environment, what: "url_file") else {
            throw ConfigFailure("webhook needs url or url_file")
        }
        let hmac = try secret(file: w.hmacSecretFile, env: w.hmacSecretEnv, environment: environment, what: "hmac secret")
        let standard = try secret(file: w.standardWebhooksSecretFile, env: w.standardWebhooksSecretEnv, environment: environment,
                                  what: "standard webhooks secret")
        return WebhookSink(
            url: url, hmacSecret: hmac, maxAlerts: w.maxAlerts, standardWebhooks: try standard.map(StandardWebhookSigner.init(secret:)),
            bodyTemplate: try w.bodyTemplate.map { try NotificationTemplate($0, output: .json) }, contentType: w.contentType,
            urlIsSecret: w.urlFile != nil, transport: try HTTPTransport(config: w.httpConfig, url: url))
    }

    /// AWS requests are signed with SigV4: an `http_config` credential would clash with it.
    static func awsTransport(_ c: HTTPClientConfig, url: String?) throws -> HTTPTransport {
        if c.credentials != nil || c.credentialsFile != nil || c.basicAuthUsername != nil || c.basicAuthUsernameFile != nil {
            throw ConfigFailure("http_config authorization, bearer_token and basic_auth do not apply to AWS receivers (requests are signed with sigv4)")
        }
        guard let url else {
            if c.tlsServerName != nil { throw ConfigFailure("tls_config.server_name on an AWS receiver needs api_url") }
            // The real endpoint depends on the region; nothing here depends on its host.
            return try HTTPTransport(config: c, url: "https://amazonaws.com")
        }
        return try HTTPTransport(config: c, url: url)
    }

    static func pagerduty(_ p: PagerDutyConfig) throws -> PagerDutySink {
        let key = try p.routingKey ?? p.serviceKey
            ?? secret(file: p.routingKeyFile ?? p.serviceKeyFile, env: nil, environment: [:], what: "routing_key_file")
        guard let key, !key.isEmpty else { throw ConfigFailure("pagerduty needs routing_key, routing_key_file or service_key") }
        return PagerDutySink(config: p, routingKey: key, transport: try HTTPTransport(config: p.httpConfig, url: p.url ?? PagerDutySink.defaultURL))
    }

    static func slack(_ s: SlackConfig, threads: SlackThreadStore?) throws -> SlackSink {
        if s.usesBotToken {
            guard let token = try s.appToken ?? secret(file: s.appTokenFile, env: nil, environment: [:], what: "app_token_file") else {
                throw ConfigFailure("slack needs app_token or app_token_file")
            }
            guard let threads else { throw ConfigFailure("slack with a bot token needs the state database") }
            let url = s.appURL ?? SlackSink.defaultAppURL
            return try SlackSink(config: s, botToken: token, threads: threads, transport: try HTTPTransport(config: s.httpConfig, url: url))
        }
        guard let url = try s.apiURL ?? secret(file: s.apiURLFile, env: nil, environment: [:], what: "api_url_file") else {
            throw ConfigFailure("slack needs api_url, api_url_file, app_token or app_token_file")
        }
        return SlackSink(config: s, webhookURL: url, transport: try HTTPTransport(config: s.httpConfig, url: url))
    }
}
