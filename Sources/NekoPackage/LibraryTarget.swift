import Foundation

/// The target a shared library was built for, read from its ELF header.
enum LibraryTarget {
    /// The triple of the library at `path`, eg `"x86_64-unknown-linux-gnu"`.
    /// - Throws: if the file is not a 64-bit little-endian ELF file.
    static func triple(ofLibrary path: String) throws(PackageError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw PackageError("\(path): cannot be read") }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 20)) ?? Data()
        guard header.count == 20, header.starts(with: [0x7f, 0x45, 0x4c, 0x46]) else {
            throw PackageError("\(path): not an ELF shared library")
        }
        guard header[4] == 2, header[5] == 1 else {
            throw PackageError("\(path): not a 64-bit little-endian ELF library")
        }
        let machine = UInt16(header[18]) | UInt16(header[19]) << 8
        return triple(machine: machine)
    }

    /// The triple this `nekoctl` was built for: a host loads only libraries of its own.
    static var host: String {
        #if arch(x86_64)
        return "x86_64-unknown-linux-gnu"
        #elseif arch(arm64)
        return "aarch64-unknown-linux-gnu"
        #else
        return "unknown-unknown-linux-gnu"
        #endif
    }

    private static func triple(machine: UInt16) -> String {
        switch machine {
        case 0x3e: return "x86_64-unknown-linux-gnu"
        case 0xb7: return "aarch64-unknown-linux-gnu"
        case 0xf3: return "riscv64-unknown-linux-gnu"
        case 0x15: return "powerpc64le-unknown-linux-gnu"
        case 0x16: return "s390x-unknown-linux-gnu"
        default: return "elf-machine-\(machine)-unknown-linux-gnu"
        }
    }
}
