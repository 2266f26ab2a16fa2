/// One SQLite value: a bound parameter or a column of a result row.
///
/// The five cases are SQLite's five storage classes. Literals convert on their
/// own, so statements read as SQL with their values beside them; variables
/// name their storage class:
///
/// ```swift
/// try db.execute("INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)", "greeting", "hello")
/// try db.execute("INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)", .text(key), .text(value))
/// try db.execute("UPDATE records SET value = ? WHERE id = ?", nil, 42)
/// ```
///
/// Values are always bound as parameters (`?`), never pasted into the SQL
/// text, so a value with quotes or SQL in it is stored as it is and cannot
/// change the statement. Build SQL by string interpolation only from
/// constants of your own, never from values.
///
/// A `true` or `false` literal is stored as the integer `1` or `0`, as SQLite
/// has no boolean class.
public enum SQLValue: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// A 64-bit signed integer.
    case integer(Int64)
    /// An IEEE 754 double.
    case real(Double)
    /// UTF-8 text.
    case text(String)
    /// Bytes, stored as they are.
    case blob([UInt8])
}

// MARK: - Reading

extension SQLValue {
    /// Whether this is SQL `NULL`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The integer, if this is an ``integer(_:)`` that fits in an `Int`.
    public var intValue: Int? {
        if case .integer(let value) = self { return Int(exactly: value) }
        return nil
    }

    /// The 64-bit integer, if this is an ``integer(_:)``.
    public var int64Value: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The number, if this is a ``real(_:)`` or an ``integer(_:)``.
    ///
    /// Integers are accepted because SQLite returns whole numbers from
    /// expressions (`SELECT 2`, `sum(x)` over integers) as integers.
    public var doubleValue: Double? {
        switch self {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// The text, if this is a ``text(_:)``.
    public var stringValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The bytes, if this is a ``blob(_:)``.
    public var blobValue: [UInt8]? {
        if case .blob(let value) = self { return value }
        return nil
    }
}

// MARK: - Literals

extension SQLValue: ExpressibleByNilLiteral {
    /// `nil` binds SQL `NULL`.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension SQLValue: ExpressibleByIntegerLiteral {
    /// An integer literal binds an ``integer(_:)``.
    public init(integerLiteral value: Int64) {
        self = .integer(value)
    }
}

extension SQLValue: ExpressibleByFloatLiteral {
    /// A floating-point literal binds a ``real(_:)``.
    public init(floatLiteral value: Double) {
        self = .real(value)
    }
}

extension SQLValue: ExpressibleByStringLiteral {
    /// A string literal binds a ``text(_:)``.
    public init(stringLiteral value: String) {
        self = .text(value)
    }
}

extension SQLValue: ExpressibleByBooleanLiteral {
    /// `true` binds the integer `1`, `false` the integer `0`.
    public init(booleanLiteral value: Bool) {
        self = .integer(value ? 1 : 0)
    }
}

extension SQLValue: CustomStringConvertible {
    /// The value as an SQL literal would write it, for logs: `NULL`, `42`,
    /// `1.5`, `'it''s'`, `x'00ff'`.
    public var description: String {
        switch self {
        case .null:
            return "NULL"
        case .integer(let value):
            return String(value)
        case .real(let value):
            return String(value)
        case .text(let value):
            return "'" + value.replacing("'", with: "''") + "'"
        case .blob(let bytes):
            let digits: [Character] = Array("0123456789abcdef")
            var text = "x'"
            for byte in bytes {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0F)])
            }
            return text + "'"
        }
    }
}
