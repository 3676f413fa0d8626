package dev.mwsr.jmh;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.async.AsyncLoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/**
 * Log4j2's fastest documented setup: all loggers asynchronous (an {@link AsyncLoggerContext}, what
 * {@code -Dlog4j2.contextSelector=...AsyncLoggerContextSelector} creates, made directly so that
 * each file gets its own context), into a {@code RandomAccessFile} appender with pattern
 * {@code %m%n} and {@code immediateFlush=false} as Log4j's performance page advises (the appender
 * still flushes at the end of every Disruptor batch). Everything else is left at Log4j's defaults
 * (ring of 256 Ki entries, timeout-blocking wait strategy, writers wait when the ring is full).
 */
final class Log4jSink implements LineSink {
    private final AsyncLoggerContext context;
    private final Logger logger;

    Log4jSink(Path path) {
        ConfigurationBuilder<BuiltConfiguration> config = ConfigurationBuilderFactory.newConfigurationBuilder();
        config.setConfigurationName("mwsr-jmh");
        config.setStatusLevel(Level.WARN);
        config.add(config.newAppender("file", "RandomAccessFile")
                .addAttribute("fileName", path.toString())
                .addAttribute("append", false)
                .addAttribute("immediateFlush", false)
                .add(config.newLayout("PatternLayout").addAttribute("pattern", "%m%n")));
        config.add(config.newRootLogger(Level.INFO).add(config.newAppenderRef("file")));
        Configuration built = config.build(false);
        this.context = new AsyncLoggerContext("mwsr-jmh-" + path.getFileName());
        context.start(built);
        this.logger = context.getLogger("dev.mwsr.jmh.FileBench");
    }

    @Override
    public void write(String line) {
        logger.info(line);
    }

    @Override
    public void close() {
        // Drains the ring, then stops (flushes and closes) the appender.
        context.stop(1, TimeUnit.MINUTES);
    }
}
