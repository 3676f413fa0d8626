package dev.mwsr.log4j2;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Marker;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.ReliabilityStrategy;
import org.apache.logging.log4j.message.Message;
import org.apache.logging.log4j.util.Supplier;

/**
 * Makes a configuration's stop drain an {@link MwsrAsyncAppender} before any appender stops, whatever
 * the appender names.
 *
 * <p>Why: {@code AbstractConfiguration.stop} stops the logger configs, then the async logger configs'
 * Disruptor, then Log4j's own {@code AsyncAppender}s (found with {@code instanceof} on that final
 * class), then every other appender in the order of a hash map, so a plugin's targets may stop before
 * the plugin has delivered its queue. Between the Disruptor's stop and the appenders' stop it calls
 * {@link ReliabilityStrategy#beforeStopAppenders()} on every logger config's strategy: the point at
 * which, as its comment says, every event a logger took has been passed on and no appender has stopped
 * yet. This hook is a logger config of its own, named {@code dev.mwsr.log4j2.stop.<appender name>}
 * (no level of its own, additive, no appenders: a logger of that name behaves as without it), added
 * when the appender starts; its strategy does what the configuration's would and, before the appenders
 * stop, drains the appender (bounded by its {@code shutdownTimeout}).
 */
final class StopHook extends LoggerConfig {
    /** The prefix of the hook's logger config name. */
    static final String PREFIX = "dev.mwsr.log4j2.stop.";

    private final ReliabilityStrategy strategy;

    private StopHook(String name, Runnable drain) {
        super(name, null, true);
        ReliabilityStrategy own = super.getReliabilityStrategy();
        this.strategy = new ReliabilityStrategy() {
            @Override
            public void log(
                    Supplier<LoggerConfig> reconfigured,
                    String loggerName,
                    String fqcn,
                    Marker marker,
                    Level level,
                    Message data,
                    Throwable t) {
                own.log(reconfigured, loggerName, fqcn, marker, level, data, t);
            }

            @Override
            public void log(Supplier<LoggerConfig> reconfigured, LogEvent event) {
                own.log(reconfigured, event);
            }

            @Override
            public LoggerConfig getActiveLoggerConfig(Supplier<LoggerConfig> next) {
                return own.getActiveLoggerConfig(next);
            }

            @Override
            public void afterLogEvent() {
                own.afterLogEvent();
            }

            @Override
            public void beforeStopAppenders() {
                own.beforeStopAppenders();
                drain.run();
            }

            @Override
            public void beforeStopConfiguration(Configuration configuration) {
                own.beforeStopConfiguration(configuration);
            }
        };
    }

    /** Adds the hook for {@code appender} to {@code configuration}; {@code drain} runs at its stop. */
    static void install(Configuration configuration, String appender, Runnable drain) {
        String name = PREFIX + appender;
        configuration.addLogger(name, new StopHook(name, drain));
    }

    @Override
    public ReliabilityStrategy getReliabilityStrategy() {
        return strategy;
    }
}
