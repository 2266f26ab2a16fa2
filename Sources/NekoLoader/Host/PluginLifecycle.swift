/// The plugin state machine: the one place that says which moves are legal.
///
/// ```
///              discover                    load / first call
///   (folder) ──────────► unloaded ─────────────────────────► loading ──► loaded
///                        disabled                              │  ▲        │ │ │
///                        failed ◄──────────────────────────────┘  │        │ │ └─ reload ─► reloading ─► loaded
///                          │ reload                               │        │ │                 │
///                          └──────────────► loading ──────────────┘        │ └─ unload ─► stopping ─► stopped
///                                                                          │    shutdown            └─► unloaded
///                                                                          ├─ worker died ─► crashed ─► restarting ─► loaded
///                                                                          │                    │            └─► failed
///                                                                          │                    └─ too many ─► failed
///                                                                          └─ worker died once too often ─► failed
/// ```
///
/// Every change of a plugin's state goes through ``Registry/Record/move(to:logger:)``,
/// which refuses (and logs) a move this table does not allow, and records when
/// the state began.
extension PluginState {
    /// Whether a plugin in this state may move to `next`.
    func allows(_ next: PluginState) -> Bool {
        switch (self, next) {
        // Bringing a plugin up, on request or on its first call.
        case (.unloaded, .loading), (.stopped, .loading), (.failed, .loading), (.restarting, .loading),
             (.loading, .loaded), (.loading, .failed), (.restarting, .loaded), (.restarting, .failed):
            return true
        // A dependency failed before this plugin was opened; a reload resets a failure.
        case (.unloaded, .failed), (.stopped, .failed), (.failed, .failed), (.failed, .unloaded), (.crashed, .unloaded):
            return true
        // Hot reload: the old generation serves until the new one takes over, or
        // on, when the new one fails.
        case (.loaded, .reloading), (.reloading, .loaded):
            return true
        // A worker dies, and comes back, or stays down after too many crashes.
        // A reload under way when the old worker died still ends in `loaded`.
        case (.loaded, .crashed), (.reloading, .crashed), (.crashed, .restarting), (.crashed, .failed), (.crashed, .loaded),
             (.loaded, .failed), (.reloading, .failed):
            return true
        // Unload and shutdown: a running plugin drains and stops; one that is
        // not running just changes its label.
        case (.loaded, .stopping), (.crashed, .stopping), (.stopping, .stopped), (.stopping, .unloaded):
            return true
        case (.unloaded, .stopped), (.failed, .stopped), (.crashed, .stopped), (.disabled, .stopped), (.stopped, .stopped),
             (.restarting, .stopped):
            return true
        default:
            return false
        }
    }
}
