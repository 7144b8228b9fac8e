import Logging

/// swift-log to stderr, once per process.
public enum ServerLogger {
    public static func make(_ label: String, level: Logger.Level) -> Logger {
        bootstrapOnce
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    private static let bootstrapOnce: Void = {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
    }()
}
