extension JSON: CustomStringConvertible {
    /// The compact JSON text of the value, as ``serialized()`` writes it.
    public var description: String {
        String(decoding: serialized(), as: UTF8.self)
    }

    /// The compact UTF-8 JSON text of the value: no whitespace, members in
    /// their stored order.
    ///
    /// Strings escape only what JSON requires (`"`, `\` and control
    /// characters, using `\n`-style escapes where they exist); other
    /// characters, `/` included, are written as UTF-8. Doubles are written in
    /// the shortest form that reads back as the same `Double`, always with a
    /// fraction or an exponent, so that they parse back as doubles: `3.0`,
    /// `0.1`, `1e+16`, `-0.0`. A non-finite double, which JSON cannot express,
    /// is written as `null`, as JavaScript does; ``NekoJSONEncoder`` refuses
    /// such values instead.
    public func serialized() -> [UInt8] {
        var buffer = JSONByteBuffer()
        defer { buffer.deallocate() }
        JSONOutput.write(self, into: &buffer)
        return buffer.array()
    }

    /// The JSON text of the value indented for people: two spaces a level,
    /// one member or element a line, `": "` after keys, members in their
    /// stored order, and `[]` and `{}` for empty containers.
    public func prettyPrinted() -> String {
        var buffer = JSONByteBuffer()
        defer { buffer.deallocate() }
        JSONOutput.writePretty(self, indent: 0, into: &buffer)
        return buffer.string()
    }
}

/// The byte-level writing shared by ``JSON/serialized()`` and ``NekoJSONEncoder``.
enum JSONOutput {
    /// Writes `value` compactly; returns `false` if it met a non-finite double
    /// (written as `null`).
    @discardableResult
    static func write(_ value: JSON, into bytes: inout JSONByteBuffer) -> Bool {
        switch value {
        case .null:
            bytes.append("null")
            return true
        case .bool(let flag):
            bytes.append(flag ? "true" : "false")
            return true
        case .int(let number):
            writeInteger(number, into: &bytes)
            return true
        case .double(let number):
            return writeDouble(number, into: &bytes)
        case .string(let text):
            writeString(text, into: &bytes)
            return true
        case .array(let elements):
            var allFinite = true
            bytes.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                allFinite = write(element, into: &bytes) && allFinite
            }
            bytes.append(UInt8(ascii: "]"))
            return allFinite
        case .object(let object):
            var allFinite = true
            bytes.append(UInt8(ascii: "{"))
            for (position, member) in object.members.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                allFinite = write(member.value, into: &bytes) && allFinite
            }
            bytes.append(UInt8(ascii: "}"))
            return allFinite
        }
    }

    static func writePretty(_ value: JSON, indent: Int, into bytes: inout JSONByteBuffer) {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            bytes.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(0x0A)
                bytes.append(repeating: UInt8(ascii: " "), count: indent + 2)
                writePretty(element, indent: indent + 2, into: &bytes)
            }
            bytes.append(0x0A)
            bytes.append(repeating: UInt8(ascii: " "), count: indent)
            bytes.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            bytes.append(UInt8(ascii: "{"))
            for (position, member) in object.members.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(0x0A)
                bytes.append(repeating: UInt8(ascii: " "), count: indent + 2)
                writeString(member.key, into: &bytes)
                bytes.append(": ")
                writePretty(member.value, indent: indent + 2, into: &bytes)
            }
            bytes.append(0x0A)
            bytes.append(repeating: UInt8(ascii: " "), count: indent)
            bytes.append(UInt8(ascii: "}"))
        default:
            write(value, into: &bytes)
        }
    }

    /// Writes a quoted, escaped string.
    @inline(__always) static func writeString(_ text: String, into bytes: inout JSONByteBuffer) {
        bytes.append(UInt8(ascii: "\""))
        writeEscaped(text, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes the escaped text of a string, without the quotes.
    static func writeEscaped(_ text: String, into bytes: inout JSONByteBuffer) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            writeEscaped(utf8, into: &bytes)
        }
        if written == nil {
            var text = text
            text.withUTF8 { writeEscaped($0, into: &bytes) }
        }
    }

    /// Writes the escape sequence for a byte that needs one.
    static func writeEscape(for byte: UInt8, into bytes: inout JSONByteBuffer) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\"), UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"), UInt8(ascii: "\\"))
        case 0x08: bytes.append(UInt8(ascii: "\\"), UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "\\"), UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "\\"), UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "\\"), UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "\\"), UInt8(ascii: "t"))
        default:
            let hexDigits: StaticString = "0123456789abcdef"
            bytes.append("\\u00")
            bytes.append(hexDigits.utf8Start[Int(byte >> 4)], hexDigits.utf8Start[Int(byte & 0xF)])
        }
    }

    static func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>, into bytes: inout JSONByteBuffer) {
        var runStart = 0
        for index in utf8.indices {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            runStart = index + 1
            writeEscape(for: byte, into: &bytes)
        }
        bytes.append(UnsafeBufferPointer(rebasing: utf8[runStart...]))
    }

    /// Writes a decimal integer.
    static func writeInteger(_ value: Int64, into bytes: inout JSONByteBuffer) {
        if value >= 0 && value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var magnitude = value.magnitude
        bytes.reserve(20)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }

    /// Writes a double in its shortest round-tripping form; returns `false`
    /// (and writes `null`) if it is not finite.
    @discardableResult
    static func writeDouble(_ value: Double, into bytes: inout JSONByteBuffer) -> Bool {
        guard value.isFinite else {
            bytes.append("null")
            return false
        }
        // Integral values below 1e16 print as their digits and ".0", exactly as
        // `description` does, without making a String.
        if value.magnitude < 1e16, Double(Int64(value)) == value {
            if value == 0 && value.sign == .minus { bytes.append(UInt8(ascii: "-")) }
            writeInteger(Int64(value), into: &bytes)
            bytes.append(".0")
            return true
        }
        var text = value.description
        text.withUTF8 { bytes.append($0) }
        return true
    }
}
