/**
 * Log4j 2 appenders on mwsr: {@code <MwsrAsync>} ({@link dev.mwsr.log4j2.MwsrAsyncAppender}), a drop-in
 * for Log4j's {@code <Async>} that loses and reorders nothing, and {@code <MwsrFile>}
 * ({@link dev.mwsr.log4j2.MwsrFileAppender}), a file appender whose layout runs on the logging threads
 * and whose file is written by one mwsr thread. Both are found through Log4j's plugin cache: a
 * configuration needs no {@code packages=} attribute.
 *
 * <p>Shared promises: every event an appender accepted reaches its sink exactly once, the events of one
 * logging thread in the order logged, also from interrupted threads (whose interrupt flag is kept) and
 * virtual threads; every event not delivered (an overflow policy that drops, a sink given up on, the
 * stop's time bound) is counted in {@code metrics().dropped()} or {@code pending()} and reported through
 * Log4j's {@code StatusLogger}; a failure is never thrown at a logging thread, unless the appender's
 * {@code ignoreExceptions} is false. No thread outlives the appender's stop unless a sink call never
 * returns, which the stop reports.
 */
package dev.mwsr.log4j2;
