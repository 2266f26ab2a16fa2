@_spi(Neko) import NekoCore

extension PluginHost {
    /// How many times the running instance of `plugin` broke the ABI
    /// contract (a call completed twice, a sync call left incomplete),
    /// counting every report its worker sent before now (an isolated
    /// plugin's arrive asynchronously: this waits for its running `invoke`s
    /// to return). `status.contractViolations` is the same count, unsettled.
    /// - Throws: `not_found` or `unavailable` when it is not running.
    public func contractViolations(of plugin: String) throws(CallError) -> Int {
        let loaded = try running(plugin, loadOnDemand: false)
        loaded.library.worker?.settle()
        return loaded.binding.ledger.violations
    }
}
