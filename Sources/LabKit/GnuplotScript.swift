import Foundation

/// A plot, as a gnuplot script: gnuplot (Debian's gnuplot-nox) draws the SVG. The script is
/// written next to it (`memory.gp`), so a learner can change it and run `gnuplot memory.gp`.
public struct GnuplotScript: Sendable {
    public struct Series: Sendable {
        /// The CSV file, relative to the script's folder.
        public var data: String
        /// gnuplot `using` expressions for x and y (`3`, `($6/1048576)`).
        public var x: String
        public var y: String
        public var title: String
        public var style = "linespoints pt 7 ps 0.6"
        /// Which rows: `::1` every one after the header, `2::1` every other one from the first.
        public var every = "::1"
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series] = []
    public var yRange: (Double, Double)?
    public var xRange: (Double, Double)?
    public var logX = false
    /// A line under the title (the fitted figure, the machine).
    public var note: String?
    private var decorations: [String] = []

    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public mutating func horizontalLine(at y: Double, label: String, color: String) {
        decorations.append(
            "set arrow from graph 0, first \(y) to graph 1, first \(y) nohead lc rgb '\(color)' dt 2 lw 2")
        decorations.append("set label \(Self.quoted(label)) at graph 0.02, first \(y) offset 0,0.8 tc rgb '\(color)'")
    }

    public mutating func verticalLine(at x: Double, label: String) {
        decorations.append(
            "set arrow from first \(x), graph 0 to first \(x), graph 1 nohead lc rgb '#7f7f7f' dt 3 lw 2")
        decorations.append("set label \(Self.quoted(label)) at first \(x), graph 0.95 offset 0.5,0 tc rgb '#444444'")
    }

    /// The script that writes `name.svg` in its own folder.
    public func text(svg name: String) -> String {
        var lines = [
            "# made by c10k_lab; run `gnuplot \(name).gp` in this folder to draw \(name).svg again",
            "set terminal svg size 960,560 dynamic enhanced font 'Helvetica,13' background rgb 'white'",
            "set output '\(name).svg'",
            "set datafile separator ','",
            // a row a series does not use is NaN: skipped, without breaking its line
            "set datafile missing NaN",
            "set title \(Self.quoted(title + (note.map { "\\n{/*0.8 \($0)}" } ?? "")))",
            "set xlabel \(Self.quoted(xLabel))",
            "set ylabel \(Self.quoted(yLabel))",
            "set grid lc rgb '#dddddd'",
            "set key outside bottom center horizontal",
            "set border 3",
            "set tics nomirror",
        ]
        if let (low, high) = yRange { lines.append("set yrange [\(low):\(high)]") }
        if let (low, high) = xRange { lines.append("set xrange [\(low):\(high)]") }
        if logX { lines.append("set logscale x") }
        lines += decorations
        let plots = series.map {
            "'\($0.data)' every \($0.every) using \($0.x):\($0.y) with \($0.style) title \(Self.quoted($0.title))"
        }
        lines.append("plot " + plots.joined(separator: ", \\\n     "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A gnuplot string: in enhanced text `_` would be a subscript (dumb_epoll).
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "_", with: "\\\\_") + "\""
    }
}

/// Draws plots with gnuplot, when it is installed.
public enum Plotter {
    /// Writes `name.gp` into `folder` and runs gnuplot on it. Returns what it wrote, or nil
    /// and says how to get the plot when gnuplot is missing or fails (the data is there).
    public static func render(_ script: GnuplotScript, folder: String, name: String, note: (String) -> Void = { _ in })
        -> String?
    {
        let scriptPath = folder + "/" + name + ".gp"
        do { try ResultFiles.write(scriptPath, script.text(svg: name)) } catch {
            note("\(error)")
            return nil
        }
        guard Shell.output(["gnuplot", "--version"]) != nil else {
            note(
                "no plot: gnuplot is not installed. Install it (sudo apt-get install gnuplot-nox), then run: c10k_lab plot \(folder)"
            )
            return "no \(name).svg: gnuplot is missing (sudo apt-get install gnuplot-nox, then c10k_lab plot \(folder))"
        }
        guard let result = Shell.run(["gnuplot", name + ".gp"], timeout: 60, directory: folder), result.status == 0
        else {
            note("gnuplot failed on \(scriptPath): run gnuplot there to see why")
            return "no \(name).svg: gnuplot failed on \(scriptPath)"
        }
        return "plotted \(folder)/\(name).svg"
    }

    /// Runs gnuplot again on a script an experiment wrote (`c10k_lab plot`).
    public static func redraw(folder: String, script: String) -> (drawn: Bool, text: String) {
        guard Shell.output(["gnuplot", "--version"]) != nil else {
            return (false, "gnuplot is not installed: sudo apt-get install gnuplot-nox, then run this again")
        }
        guard let result = Shell.run(["gnuplot", script], timeout: 60, directory: folder), result.status == 0 else {
            return (false, "gnuplot failed on \(folder)/\(script): run gnuplot \(script) in \(folder) to see why")
        }
        return (true, "plotted \(folder)/\(script.dropLast(3)).svg")
    }
}
