/**
 * mwsr-log4j2: Log4j 2 appenders on mwsr. See {@link dev.mwsr.log4j2.MwsrAsyncAppender} ({@code <MwsrAsync>})
 * and {@link dev.mwsr.log4j2.MwsrFileAppender} ({@code <MwsrFile>}).
 */
// The name follows the artifact and the package (as Log4j's own "log4j2" names do); javac's lint
// would rather no module name component ended in a digit.
@SuppressWarnings("module")
module dev.mwsr.log4j2 {
    requires transitive dev.mwsr.core;
    requires dev.mwsr.io;
    requires transitive org.apache.logging.log4j;
    requires transitive org.apache.logging.log4j.core;

    exports dev.mwsr.log4j2;
    // Log4j's plugin builder sets the builders' attribute fields by reflection.
    opens dev.mwsr.log4j2 to
            org.apache.logging.log4j.core;
}
