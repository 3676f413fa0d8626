package dev.mwsr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JDK Flight Recorder event per flusher call: its duration and batch size. Disabled unless a
 * recording enables {@code dev.mwsr.Flush}; when disabled the JIT removes its cost.
 */
@Name("dev.mwsr.Flush")
@Label("mwsr Flush")
@Category("mwsr")
@Description("One call of a buffer's flusher")
@Enabled(false)
@StackTrace(false)
final class FlushEvent extends jdk.jfr.Event {
    @Label("Batch Size")
    @Description("Items in the flusher call (bytes, for a ByteBatchBuffer)")
    int batchSize;

    @Label("Failed")
    @Description("Whether the flusher threw")
    boolean failed;
}
