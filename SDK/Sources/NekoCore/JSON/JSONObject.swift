/// The members of a JSON object, in the order they were written or added.
///
/// Keys are unique: the parser rejects a document that repeats a key, and
/// every way of adding a member here replaces the value of an existing key in
/// place (so the last value wins, at the position of the first). Lookup by key
/// is a linear search, which beats hashing for the small objects that plugin
/// calls carry.
///
/// Two objects are equal when they have the same keys with equal values,
/// whatever the order.
public struct JSONObject: Sendable {
    /// One member of an object.
    public typealias Element = (key: String, value: JSON)

    /// How a member is stored: a struct rather than a tuple, whose value
    /// witnesses are specialized code rather than the runtime's generic ones.
    @usableFromInline struct Member: Sendable {
        @usableFromInline var key: String
        @usableFromInline var value: JSON

        @inlinable init(key: String, value: JSON) {
            self.key = key
            self.value = value
        }
    }

    /// The members, in order, with unique keys.
    @usableFromInline var members: [Member]

    /// Makes an empty object.
    public init() {
        members = []
    }

    /// Makes an object from key-value pairs, keeping their order.
    /// When a key repeats, the last value wins, at the position of the first.
    public init(_ pairs: some Sequence<Element>) {
        members = []
        members.reserveCapacity(pairs.underestimatedCount)
        for (key, value) in pairs {
            self[key] = value
        }
    }

    /// Makes an object from members whose keys the caller knows to be unique.
    @inlinable init(uniqueMembers: [Member]) {
        members = uniqueMembers
    }

    /// The keys, in order.
    public var keys: [String] {
        members.map(\.key)
    }

    /// The position of the member named `key`, if there is one.
    @inlinable public func index(forKey key: String) -> Int? {
        members.withUnsafeBufferPointer { buffer in
            for index in buffer.indices where buffer[index].key == key {
                return index
            }
            return nil
        }
    }

    /// The value of the member named `key`. Setting a value replaces the
    /// member's value in place or appends a new member; setting `nil` removes
    /// the member.
    @inlinable public subscript(key: String) -> JSON? {
        get {
            guard let index = index(forKey: key) else { return nil }
            return members[index].value
        }
        set {
            if let index = index(forKey: key) {
                if let newValue {
                    members[index].value = newValue
                } else {
                    members.remove(at: index)
                }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// Removes the member named `key` and returns its value, if there was one.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSON? {
        guard let index = index(forKey: key) else { return nil }
        return members.remove(at: index).value
    }
}

extension JSONObject: RandomAccessCollection {
    /// The position of the first member: always 0.
    public var startIndex: Int { 0 }

    /// The position past the last member: the number of members.
    public var endIndex: Int { members.count }

    /// The member at `position`.
    public subscript(position: Int) -> Element {
        (key: members[position].key, value: members[position].value)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Makes an object from a dictionary literal, keeping the written order.
    /// When a key repeats, the last value wins.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(elements.lazy.map { (key: $0.0, value: $0.1) })
    }
}

extension JSONObject: Hashable {
    /// Whether both objects have the same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        if lhs.members.count > 16 {
            // Avoid a quadratic comparison of large objects.
            let right = Dictionary(uniqueKeysWithValues: rhs.members.lazy.map { ($0.key, $0.value) })
            return lhs.members.allSatisfy { right[$0.key] == $0.value }
        }
        for (index, member) in lhs.members.enumerated() {
            // Members usually line up; look them up only when they don't.
            if rhs.members[index].key == member.key {
                guard rhs.members[index].value == member.value else { return false }
            } else {
                guard rhs[member.key] == member.value else { return false }
            }
        }
        return true
    }

    /// Hashes the members regardless of their order, consistently with ``==(_:_:)``.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(member.key)
            memberHasher.combine(member.value)
            combined = combined &+ memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}
