import KlaxonStore

extension FollowUpRouting {
    /// Acknowledgements go to integrations that send resolved notifications (one told of
    /// firing alerts only hears nothing after them) on a channel that can express one
    /// (`Integration.acknowledges`); resolutions to those that send resolved notifications.
    init(_ integrations: [String: [Integration]]) {
        self.init(
            acknowledgements: integrations.mapValues { Set($0.filter { $0.acknowledges && $0.sendResolved }.map(\.name)) },
            resolutions: integrations.mapValues { Set($0.filter(\.sendResolved).map(\.name)) })
    }
}
