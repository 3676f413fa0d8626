/**
 * mwsr-cli: the mwsr command line, run as {@code java -jar mwsr-cli-VERSION-cli.jar}. Its only API is
 * the entry point, {@link dev.mwsr.cli.Launcher}; see {@link dev.mwsr.cli.Main} for the commands.
 */
module dev.mwsr.cli {
    requires dev.mwsr.io;

    exports dev.mwsr.cli;
}
