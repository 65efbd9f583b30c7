import Foundation

/// What a finding's wrapper says about it: the EventBridge envelope's `account`, `region` and
/// `time`. A finding printed by the AWS CLI (`get-findings`, `list-findings`) or saved bare has no
/// wrapper; its own fields must then say it.
struct AWSOrigin {
    var account: String?
    var region: String?
    var time: Date?

    static let none = AWSOrigin()

    init(account: String? = nil, region: String? = nil, time: Date? = nil) {
        self.account = account
        self.region = region
        self.time = time
    }

    init(_ env: EventBridgeEnvelope) {
        self.init(account: env.account, region: env.region, time: env.time)
    }

    /// The region and account inside an ARN (`arn:aws:inspector2:REGION:ACCOUNT:finding/…`).
    static func arnParts(_ arn: String?) -> (region: String?, account: String?) {
        guard let arn else { return (nil, nil) }
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[0] == "arn" else { return (nil, nil) }
        return (parts[3].isEmpty ? nil : String(parts[3]), parts[4].isEmpty ? nil : String(parts[4]))
    }
}
