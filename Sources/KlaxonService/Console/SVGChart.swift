import Foundation

/// A horizontal bar chart drawn by the server as SVG (the `chart` template): one row per
/// group, one bar per series, each bar labelled with its value in text so colour is never
/// the only signal. Geometry only; the template escapes every text.
struct SVGChart {
    struct Series {
        let name: String
        let fill: String
    }

    struct Row {
        let label: String
        /// One value per series (nil: no data), with its text.
        let values: [(value: Double, text: String)?]
    }

    struct Bar {
        let x: Int
        let y: Int
        let w: Int
        let h: Int
        let fill: String
        let tip: String
    }

    struct Text {
        let x: Int
        let y: Int
        let anchor: String
        let text: String
    }

    let title: String
    let desc: String
    let width: Int
    let height: Int
    let bars: [Bar]
    let texts: [Text]

    static let width = 440
    static let labelWidth = 120
    static let valueWidth = 70
    static let barHeight = 12

    /// - Parameter maximum: the value a full-width bar stands for (default: the largest value).
    init(title: String, series: [Series], rows: [Row], maximum: Double? = nil) {
        self.title = title
        let top = max(maximum ?? rows.flatMap { $0.values.compactMap { $0?.value } }.max() ?? 1, .leastNonzeroMagnitude)
        let span = Double(Self.width - Self.labelWidth - Self.valueWidth)
        let perRow = series.count * (Self.barHeight + 2) + 10
        var bars: [Bar] = []
        var texts: [Text] = []
        var y = 24
        // Legend: the series names in text beside their swatches.
        var x = Self.labelWidth
        for s in series {
            bars.append(Bar(x: x, y: 6, w: 10, h: 10, fill: s.fill, tip: s.name))
            texts.append(Text(x: x + 14, y: 15, anchor: "start", text: s.name))
            x += 14 + 8 * s.name.count + 16
        }
        var lines: [String] = []
        for row in rows {
            texts.append(Text(x: Self.labelWidth - 6, y: y + perRow / 2 - 2, anchor: "end", text: row.label))
            var parts: [String] = []
            for (i, s) in series.enumerated() {
                let by = y + i * (Self.barHeight + 2)
                guard let v = row.values[i] else {
                    texts.append(Text(x: Self.labelWidth + 2, y: by + Self.barHeight - 2, anchor: "start", text: "no data"))
                    parts.append("\(s.name) no data")
                    continue
                }
                let w = max(Int((v.value / top * span).rounded()), v.value > 0 ? 2 : 0)
                bars.append(Bar(x: Self.labelWidth, y: by, w: w, h: Self.barHeight, fill: s.fill, tip: "\(row.label) \(s.name): \(v.text)"))
                texts.append(Text(x: Self.labelWidth + w + 4, y: by + Self.barHeight - 2, anchor: "start", text: v.text))
                parts.append("\(s.name) \(v.text)")
            }
            lines.append("\(row.label): " + parts.joined(separator: ", "))
            y += perRow
        }
        if rows.isEmpty {
            texts.append(Text(x: Self.width / 2, y: y + 12, anchor: "middle", text: "no incidents in this window"))
            y += 24
        }
        self.desc = lines.isEmpty ? "no data" : lines.joined(separator: "; ")
        self.width = Self.width
        self.height = y + 4
        self.bars = bars
        self.texts = texts
    }
}
