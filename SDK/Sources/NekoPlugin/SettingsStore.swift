import NekoCore

/// What the host's settings extension needs of a `SettingsFile`, whatever its type.
protocol SettingsStore: Sendable {
    func read() throws -> [UInt8]
    func change(_ patch: JSON) throws
}

extension SettingsFile: SettingsStore {}
