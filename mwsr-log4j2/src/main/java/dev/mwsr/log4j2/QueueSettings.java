package dev.mwsr.log4j2;

import dev.mwsr.AsyncBuffer.OverflowPolicy;
import java.time.Duration;
import java.util.Locale;
import org.apache.logging.log4j.core.config.ConfigurationException;

/**
 * The queue and stop attributes both appenders take, checked together: a bad value is a
 * {@link ConfigurationException} naming the attribute and what to write instead, before anything is
 * opened.
 *
 * @param appender the appender's name, for messages and the drainer thread
 * @param queueSize the most events waiting
 * @param overflow what a logging thread does when the queue is full
 * @param appendTimeout the bounded wait for room before {@code overflow} applies; null for none
 * @param shutdownTimeoutMillis how long the stop delivers; 0 without bound (Log4j's meaning)
 * @param giveUpAfter how long a failing sink is retried per event (or batch)
 */
record QueueSettings(
        String appender,
        int queueSize,
        OverflowPolicy overflow,
        Duration appendTimeout,
        long shutdownTimeoutMillis,
        Duration giveUpAfter) {

    /**
     * Checks and converts the attributes as configured.
     *
     * @param blocking Log4j's {@code blocking}, or null if unset: false means {@code DROP_NEWEST}
     *     unless {@code overflow} is given, which wins
     * @param appendTimeoutMillis negative for unset
     */
    static QueueSettings of(
            String appender,
            String queueAttribute,
            int queueSize,
            String overflow,
            Boolean blocking,
            long appendTimeoutMillis,
            long shutdownTimeoutMillis,
            long giveUpAfterMillis) {
        if (appender == null || appender.isBlank()) {
            throw new ConfigurationException("an mwsr appender needs a name=\"...\" attribute");
        }
        String at = "appender [" + appender + "]: ";
        if (queueSize < 1) {
            throw new ConfigurationException(at + queueAttribute + " must be at least 1, was " + queueSize);
        }
        OverflowPolicy policy;
        if (overflow == null || overflow.isBlank()) {
            policy = Boolean.FALSE.equals(blocking) ? OverflowPolicy.DROP_NEWEST : OverflowPolicy.BLOCK;
        } else {
            try {
                policy = OverflowPolicy.valueOf(overflow.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(
                        at + "overflow must be one of BLOCK, DROP_NEWEST, DROP_OLDEST, WARN, GROW; was [" + overflow
                                + "]");
            }
            if (blocking != null && blocking != (policy == OverflowPolicy.BLOCK)) {
                EventQueue.STATUS.warn(
                        "{}blocking=\"{}\" disagrees with overflow=\"{}\"; overflow wins. Remove one of them",
                        at,
                        blocking,
                        policy);
            }
        }
        if (shutdownTimeoutMillis < 0) {
            throw new ConfigurationException(
                    at + "shutdownTimeout must not be negative (0 waits without bound), was " + shutdownTimeoutMillis);
        }
        if (giveUpAfterMillis < 0) {
            throw new ConfigurationException(at + "giveUpAfter must not be negative, was " + giveUpAfterMillis);
        }
        if (appendTimeoutMillis >= 0 && policy == OverflowPolicy.GROW) {
            EventQueue.STATUS.warn("{}appendTimeout has no effect with overflow=GROW (the queue always has room)", at);
        }
        return new QueueSettings(
                appender,
                queueSize,
                policy,
                appendTimeoutMillis < 0 ? null : Duration.ofMillis(appendTimeoutMillis),
                shutdownTimeoutMillis,
                Duration.ofMillis(giveUpAfterMillis));
    }
}
