/// Alertmanager's `pagerduty_configs` entry (Events API v2 fields). One of `routingKey`,
/// `routingKeyFile`, `serviceKey`, `serviceKeyFile` is set. Text fields are Mustache templates.
public struct PagerDutyConfig: Sendable, Hashable {
    public var routingKey: String?
    public var routingKeyFile: String?
    /// Events API v1 integration key (accepted for compatibility).
    public var serviceKey: String?
    public var serviceKeyFile: String?
    /// `url`: events endpoint override; default PagerDuty's.
    public var url: String?
    public var client: String?
    public var clientURL: String?
    public var description: String?
    /// `severity` template, raw (Alertmanager's default is `error`).
    public var severity: String?
    public var source: String?
    public var component: String?
    public var group: String?
    public var `class`: String?
    public var details: [String: String]
    /// `links` (`href`, `text`) and `images` (`src`, `alt`, `href`) sent with each trigger.
    public var links: [PagerDutyLink]
    public var images: [PagerDutyImage]
    /// `send_resolved`; default true.
    public var sendResolved: Bool
    public var httpConfig: HTTPClientConfig

    public init(
        routingKey: String? = nil, routingKeyFile: String? = nil, serviceKey: String? = nil, serviceKeyFile: String? = nil,
        url: String? = nil, client: String? = nil, clientURL: String? = nil, description: String? = nil,
        severity: String? = nil, source: String? = nil, component: String? = nil, group: String? = nil,
        class: String? = nil, details: [String: String] = [:], links: [PagerDutyLink] = [], images: [PagerDutyImage] = [],
        sendResolved: Bool = true,
        httpConfig: HTTPClientConfig = HTTPClientConfig()
    ) {
        self.routingKey = routingKey
        self.routingKeyFile = routingKeyFile
        self.serviceKey = serviceKey
        self.serviceKeyFile = serviceKeyFile
        self.url = url
        self.client = client
        self.clientURL = clientURL
        self.description = description
        self.severity = severity
        self.source = source
        self.component = component
        self.group = group
        self.class = `class`
        self.details = details
        self.links = links
        self.images = images
        self.sendResolved = sendResolved
        self.httpConfig = httpConfig
    }
}

/// A link PagerDuty shows on the incident.
public struct PagerDutyLink: Sendable, Hashable {
    public var href: String
    public var text: String
    public init(href: String, text: String) {
        self.href = href
        self.text = text
    }
}

/// An image PagerDuty shows on the incident.
public struct PagerDutyImage: Sendable, Hashable {
    public var src: String
    public var alt: String?
    public var href: String?
    public init(src: String, alt: String? = nil, href: String? = nil) {
        self.src = src
        self.alt = alt
        self.href = href
    }
}
