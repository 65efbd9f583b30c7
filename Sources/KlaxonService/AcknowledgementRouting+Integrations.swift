import KlaxonStore

extension AcknowledgementRouting {
    /// The integrations that take acknowledgements: those that send resolved notifications
    /// (an integration told of firing alerts only hears nothing after them) on a channel that
    /// can express one (`Integration.acknowledges`).
    init(_ integrations: [String: [Integration]]) {
        self.init(integrations: integrations.mapValues { Set($0.filter { $0.acknowledges && $0.sendResolved }.map(\.name)) })
    }
}
