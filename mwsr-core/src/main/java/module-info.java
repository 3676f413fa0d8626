/**
 * mwsr: multi-writer, single-reader batching buffers. See {@link dev.mwsr.Buffer} and
 * {@link dev.mwsr.AsyncBuffer}.
 */
module dev.mwsr.core {
    requires org.jctools.core;
    requires org.jctools.core.jdk11;
    requires jdk.jfr;

    exports dev.mwsr;
}
