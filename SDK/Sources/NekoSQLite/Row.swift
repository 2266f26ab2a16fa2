/// One row of a query's result: its values, by column name or position.
///
/// ```swift
/// for row in try db.query("SELECT id, key, value FROM records ORDER BY id") {
///     let id = row.int("id")          // Int?
///     let key = row.string("key")     // String?
///     let raw = row["value"]          // SQLValue?, .null for SQL NULL
/// }
/// ```
///
/// Column names are the result's names as SQLite reports them: the column
/// name, or the `AS` alias, or the expression's text (`count(*)`). Use an
/// alias to get a short name for an expression. Names match exactly
/// (case-sensitive); where two columns share a name, the first one wins.
///
/// A row is a value: it owns copies of its values and stays valid after the
/// statement, the transaction, or the database is gone.
public struct Row: Sendable, Hashable {
    /// The names of the columns, in the order of the `SELECT`.
    public let columns: [String]
    /// The values, in the order of ``columns``.
    public let values: [SQLValue]

    /// Makes a row; `values` must have one value per column.
    public init(columns: [String], values: [SQLValue]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The value of the column named `column`, or `nil` if the row has no such
    /// column. SQL `NULL` is ``SQLValue/null``, not `nil`.
    public subscript(column: String) -> SQLValue? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return values[index]
    }

    /// The value of the column at `index`, counting from 0; `index` must be in range.
    public subscript(index: Int) -> SQLValue {
        values[index]
    }

    /// The text in `column`; `nil` if the column is missing, `NULL`, or not text.
    public func string(_ column: String) -> String? {
        self[column]?.stringValue
    }

    /// The integer in `column`; `nil` if the column is missing, `NULL`, or not an integer.
    public func int(_ column: String) -> Int? {
        self[column]?.intValue
    }

    /// The 64-bit integer in `column`; `nil` if the column is missing, `NULL`, or not an integer.
    public func int64(_ column: String) -> Int64? {
        self[column]?.int64Value
    }

    /// The number in `column`, real or integer; `nil` if the column is missing,
    /// `NULL`, text, or a blob.
    public func double(_ column: String) -> Double? {
        self[column]?.doubleValue
    }

    /// The bytes in `column`; `nil` if the column is missing, `NULL`, or not a blob.
    public func blob(_ column: String) -> [UInt8]? {
        self[column]?.blobValue
    }
}
