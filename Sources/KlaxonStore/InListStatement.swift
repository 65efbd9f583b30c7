import GRDB

extension Database {
    /// A statement with an `IN (?, …)` list of `count` values: cached for short lists, which
    /// hot paths repeat with few distinct lengths (the dispatcher reads a handful of rows a
    /// pass, and preparing the statement cost about as much as running it); prepared afresh
    /// for long ones, so the cache does not keep one statement per length up to 500.
    func statement(inList sql: String, count: Int) throws -> Statement {
        count <= 64 ? try cachedStatement(sql: sql) : try makeStatement(sql: sql)
    }
}
