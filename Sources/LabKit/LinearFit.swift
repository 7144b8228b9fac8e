/// A least-squares line through points: `y ≈ intercept + slope · x`. The memory experiment
/// fits memory against connections: the slope is what one more connection costs.
public struct LinearFit: Codable, Sendable, Equatable {
    public var slope: Double
    public var intercept: Double
    /// How much of the variation the line explains (1: all of it).
    public var rSquared: Double
    public var points: Int

    /// The line through `points`; nil with fewer than two distinct x.
    public init?(_ points: [(x: Double, y: Double)]) {
        let count = Double(points.count)
        guard points.count >= 2 else { return nil }
        let meanX = points.map(\.x).reduce(0, +) / count
        let meanY = points.map(\.y).reduce(0, +) / count
        let sxx = points.map { ($0.x - meanX) * ($0.x - meanX) }.reduce(0, +)
        guard sxx > 0 else { return nil }
        let sxy = points.map { ($0.x - meanX) * ($0.y - meanY) }.reduce(0, +)
        let syy = points.map { ($0.y - meanY) * ($0.y - meanY) }.reduce(0, +)
        slope = sxy / sxx
        intercept = meanY - slope * meanX
        rSquared = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1
        self.points = points.count
    }
}
