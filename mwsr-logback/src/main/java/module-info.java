/**
 * mwsr-logback: Logback appenders on mwsr. See {@link dev.mwsr.logback.MwsrAsyncAppender} and
 * {@link dev.mwsr.logback.MwsrFileAppender}.
 */
module dev.mwsr.logback {
    requires transitive dev.mwsr.core;
    requires dev.mwsr.io;
    requires transitive ch.qos.logback.classic;
    requires transitive ch.qos.logback.core;

    exports dev.mwsr.logback;
}
