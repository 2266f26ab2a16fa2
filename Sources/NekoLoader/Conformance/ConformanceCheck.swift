@_spi(Neko) import NekoCore

/// One check of `nekoctl check --exercise`: a promise of neko_abi.h, tried
/// on a running plugin.
protocol ConformanceCheck: Sendable {
    /// The name the table and the JSON show, eg "completion".
    var name: String { get }
    /// Tries the promise on `subject`.
    func run(_ subject: ExerciseSubject) -> CheckFinding
}

extension ConformanceCheck {
    func pass(_ detail: String) -> CheckFinding { CheckFinding(check: name, result: .pass, detail: detail) }
    func fail(_ detail: String) -> CheckFinding { CheckFinding(check: name, result: .fail, detail: detail) }
    func skip(_ detail: String) -> CheckFinding { CheckFinding(check: name, result: .skip, detail: detail) }
}

/// How checks judge the outcome of a call made with valid arguments.
enum OutcomeJudgement {
    /// What is wrong with the outcome of `entry` called with valid
    /// `arguments`, or nil: a JSON result, or an error the plugin chose
    /// (execution_failed, not_found, unavailable, timeout, canceled) is fine,
    /// and so is invalid_argument naming its field (a rule the schema cannot
    /// say, eg "an http URL"); a crash, an internal error, a result that is
    /// not JSON, or invalid_argument naming nothing is not.
    static func problem(_ outcome: Result<[UInt8], CallError>, entry: String, arguments: JSON) -> String? {
        switch outcome {
        case .success(let bytes):
            if bytes.isEmpty { return nil }
            if (try? JSON.parse(bytes)) == nil {
                return "entry '\(entry)' answered \(arguments.serializedText) with a result that is not JSON: \(String(decoding: bytes.prefix(80), as: UTF8.self))"
            }
            return nil
        case .failure(let error):
            if error.isBreakage { return "entry '\(entry)' with \(arguments.serializedText): \(error.summary)" }
            if error.code == .invalidArgument, error.field == nil {
                return "entry '\(entry)' refused \(arguments.serializedText), which its schema accepts, naming no field: \(error.summary)"
            }
            return nil
        }
    }
}

extension JSON {
    /// A copy of this object with `key` set to `value` (nil: removed).
    func setting(_ key: String, to value: JSON?) -> JSON {
        var object = objectValue ?? JSONObject()
        if let value { object[key] = value } else { _ = object.removeValue(forKey: key) }
        return .object(object)
    }
}
