/// Fixed-width text tables for terminal output: columns padded to their widest cell.
public enum TextTable {
    /// - Parameter rule: draw a line of dashes under the header.
    public static func render(_ header: [String], _ rows: [[String]], rule: Bool = false) -> String {
        let widths = header.indices.map { i in ([header] + rows).map { $0.indices.contains(i) ? $0[i].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var out = ""
            for (i, width) in widths.enumerated() {
                let cell = cells.indices.contains(i) ? cells[i] : ""
                out += i == widths.count - 1 ? cell : cell.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            }
            return String(out.reversed().drop { $0 == " " }.reversed())
        }
        var lines = [line(header)]
        if rule { lines.append(line(widths.map { String(repeating: "-", count: $0) })) }
        return (lines + rows.map(line)).joined(separator: "\n")
    }
}
