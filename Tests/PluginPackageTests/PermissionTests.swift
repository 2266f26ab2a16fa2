import Foundation
@_spi(Neko) import NekoLoader
import Testing

/// sshd's StrictModes for plugins: a folder, manifest or library that someone
/// else could change is refused at load and reload, naming the path and the fix.
@Suite struct PermissionTests {
    private func host(_ work: PackageWorkspace, insecure: Bool = false) -> PluginHost {
        var options = HostOptions(roots: [work.root])
        options.cacheDirectory = work.base + "/cache"
        options.insecurePermissions = insecure
        return PluginHost(options: options)
    }

    /// cgreet dropped into the root by hand (no package), with `change` applied.
    private func droppedIn(_ work: PackageWorkspace, _ change: (String) throws -> Void = { _ in }) throws -> String {
        let folder = work.root + "/cgreet"
        try FileManager.default.copyItem(atPath: try work.plugin(), toPath: folder)
        try change(folder)
        return folder
    }

    private func loadFailure(_ plugins: PluginHost, sourceLocation: SourceLocation = #_sourceLocation) -> LoadFailure? {
        plugins.discover()
        guard case .failure(let failure) = plugins.load("cgreet") else {
            Issue.record("loaded a plugin others can change", sourceLocation: sourceLocation)
            return nil
        }
        return failure
    }

    @Test(arguments: [("", 0o777, "group and others"), ("/plugin.toml", 0o664, "its group"), ("/libcgreet.so", 0o757, "others")])
    func writableByOthersIsRefused(file: String, mode: Int, who: String) throws {
        let work = try PackageWorkspace()
        let folder = try droppedIn(work) { chmod($0 + file, mode_t(mode)) }
        let plugins = host(work)
        defer { plugins.shutdown() }
        let failure = try #require(loadFailure(plugins))
        #expect(failure.phase == .open)
        #expect(failure.message.contains("\(folder + file) is writable by \(who) (mode \(String(mode, radix: 8))): run 'chmod go-w \(folder + file)'"), "\(failure)")
        #expect(failure.message.contains("--insecure-permissions"), "\(failure)")
    }

    @Test(.enabled(if: getuid() == 0, "only root can give a file to another user"))
    func ownedByAnotherUserIsRefused() throws {
        let work = try PackageWorkspace()
        let folder = try droppedIn(work) { chown($0 + "/libcgreet.so", 65534, 65534) }
        let plugins = host(work)
        defer { plugins.shutdown() }
        let failure = try #require(loadFailure(plugins))
        #expect(failure.message.contains("\(folder)/libcgreet.so is owned by uid 65534, not this user (uid 0) or root: run 'chown 0 \(folder)/libcgreet.so'"), "\(failure)")
    }

    @Test func insecurePermissionsLoadsWithAWarning() throws {
        let work = try PackageWorkspace()
        _ = try droppedIn(work) { chmod($0 + "/libcgreet.so", 0o777) }
        let plugins = host(work, insecure: true)
        defer { plugins.shutdown() }
        plugins.discover()
        #expect(throws: Never.self) { try plugins.load("cgreet").get() }
    }

    @Test func aReloadOfALibraryMadeWritableIsRefusedAndTheOldGenerationServes() throws {
        let work = try PackageWorkspace()
        let folder = try droppedIn(work)
        let plugins = host(work)
        defer { plugins.shutdown() }
        plugins.discover()
        try plugins.load("cgreet").get()
        chmod(folder + "/libcgreet.so", 0o666)
        guard case .failure(let failure) = plugins.reload("cgreet") else {
            Issue.record("reloaded a library others can write")
            return
        }
        #expect(failure.message.contains("libcgreet.so is writable by group and others"), "\(failure)")
        #expect(plugins.plugin("cgreet")?.state == .loaded)
    }

    @Test func checkRefusesAndInsecurePermissionsWarns() throws {
        let work = try PackageWorkspace()
        let folder = try droppedIn(work) { chmod($0 + "/plugin.toml", 0o666) }
        let refused = try work.nekoctl(["check", folder])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(folder)/plugin.toml is writable by group and others (mode 666): run 'chmod go-w \(folder)/plugin.toml'"), "\(refused.stderr)")
        let warned = try work.nekoctl(["check", "--insecure-permissions", folder])
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stderr.contains("warning: insecure permissions: \(folder)/plugin.toml is writable"), "\(warned.stderr)")
    }
}
