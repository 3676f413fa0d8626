package dev.mwsr.micrometer;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Buffer;
import dev.mwsr.ByteBatchBuffer;
import dev.mwsr.Metrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Binds an mwsr buffer's {@link Metrics} to a Micrometer {@link MeterRegistry}, in the style of
 * Micrometer's {@code ExecutorServiceMetrics}: every meter is tagged {@code name=<the name you
 * give>} plus your extra tags, and reads the buffer's {@code metrics()} when the registry polls it
 * (nothing is counted twice, and the buffer's writers pay nothing).
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>what</th></tr>
 *   <tr><td>{@code mwsr.buffer.pending}</td><td>gauge</td><td>accepted, not yet through the flusher</td></tr>
 *   <tr><td>{@code mwsr.buffer.enqueued}</td><td>function counter</td><td>accepted by writes</td></tr>
 *   <tr><td>{@code mwsr.buffer.written}</td><td>function counter</td><td>in flusher calls that returned (and the
 *       durable prefix of a {@code PartialFlushException})</td></tr>
 *   <tr><td>{@code mwsr.buffer.dropped}</td><td>function counter</td><td>discarded, never delivered: by the
 *       overflow policy, by the bounded failure policy giving a batch up, or by an appender (its
 *       {@code discardingThreshold}, {@code appendTimeout}, events given up after sink failures)</td></tr>
 *   <tr><td>{@code mwsr.buffer.batches}</td><td>function counter</td><td>flusher calls that returned</td></tr>
 *   <tr><td>{@code mwsr.buffer.failures}</td><td>function counter</td><td>flusher calls that threw</td></tr>
 * </table>
 *
 * <p>The base unit of the first four is {@code items}, or {@code bytes} for a
 * {@link ByteBatchBuffer} (whose metrics count bytes); of the last two, {@code calls}. A Prometheus
 * registry shows, for example, {@code mwsr_buffer_written_items_total{name="app-log"}}.
 *
 * <pre>{@code
 * new MwsrMetrics(buffer, "app-log").bindTo(registry);
 * MwsrMetrics.of(appender, MwsrFileAppender::metrics, "app-log", Tags.empty()).bindTo(registry);
 * }</pre>
 *
 * <p>The appenders of mwsr-logback and mwsr-log4j2 are bound through {@link #of}; neither Logback nor
 * Log4j is a dependency of this module.
 *
 * <p><b>References.</b> As Micrometer's own binders do, the meters hold the buffer (or source)
 * weakly: once it is garbage, they read {@code NaN}. Values are the buffer's estimates (exact when
 * it is quiescent); see {@link Metrics}. This class is immutable and thread-safe; one instance may be
 * bound to several registries.
 */
public final class MwsrMetrics implements MeterBinder {
    /** The prefix of every meter's name. */
    public static final String PREFIX = "mwsr.buffer.";

    private final Object source;
    private final Function<Object, Metrics> read;
    private final Tags tags;
    private final String itemUnit;

    private MwsrMetrics(Object source, Function<Object, Metrics> read, String name, Iterable<Tag> tags, String unit) {
        this.source = Objects.requireNonNull(source, "source");
        this.read = read;
        this.tags = Tags.concat(tags, "name", Objects.requireNonNull(name, "name"));
        this.itemUnit = unit;
    }

    /**
     * Meters for an {@link AsyncBuffer}.
     *
     * @param buffer the buffer
     * @param name the value of the {@code name} tag
     * @param tags extra tags
     * @throws NullPointerException if an argument is null
     */
    public MwsrMetrics(AsyncBuffer<?> buffer, String name, Tag... tags) {
        this(buffer, b -> ((AsyncBuffer<?>) b).metrics(), name, Tags.of(tags), "items");
    }

    /**
     * Meters for a {@link Buffer}.
     *
     * @param buffer the buffer
     * @param name the value of the {@code name} tag
     * @param tags extra tags
     * @throws NullPointerException if an argument is null
     */
    public MwsrMetrics(Buffer<?> buffer, String name, Tag... tags) {
        this(buffer, b -> ((Buffer<?>) b).metrics(), name, Tags.of(tags), "items");
    }

    /**
     * Meters for a {@link ByteBatchBuffer}; counts are in bytes.
     *
     * @param buffer the buffer
     * @param name the value of the {@code name} tag
     * @param tags extra tags
     * @throws NullPointerException if an argument is null
     */
    public MwsrMetrics(ByteBatchBuffer buffer, String name, Tag... tags) {
        this(buffer, b -> ((ByteBatchBuffer) b).metrics(), name, Tags.of(tags), "bytes");
    }

    /**
     * Meters for anything that has mwsr {@link Metrics} counted in items, such as the
     * {@code metrics()} of mwsr-logback's appenders and of mwsr-log4j2's ({@code <MwsrAsync>},
     * {@code <MwsrFile>}: {@code MwsrMetrics.of(appender, MwsrAsyncAppender::metrics, "app-async",
     * Tags.empty())}, the appender taken from the running Log4j configuration by name).
     *
     * @param source what the meters hold (weakly) and read from
     * @param metrics reads a snapshot from the source; called on the registry's polling thread
     * @param name the value of the {@code name} tag
     * @param tags extra tags
     * @param <S> the source type
     * @return the binder
     * @throws NullPointerException if an argument is null
     */
    public static <S> MwsrMetrics of(S source, Function<? super S, Metrics> metrics, String name, Iterable<Tag> tags) {
        Objects.requireNonNull(metrics, "metrics");
        @SuppressWarnings("unchecked") // only ever applied to source, which is an S
        Function<Object, Metrics> read = o -> metrics.apply((S) o);
        return new MwsrMetrics(source, read, name, Objects.requireNonNull(tags, "tags"), "items");
    }

    /**
     * Registers the six meters.
     *
     * @param registry the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(PREFIX + "pending", source, value(Metrics::pending))
                .tags(tags)
                .baseUnit(itemUnit)
                .description("Items accepted and not yet returned from the flusher, the batch in flight included")
                .register(registry);
        counter(registry, "enqueued", itemUnit, "Items accepted by writes", Metrics::enqueued);
        counter(registry, "written", itemUnit, "Items in flusher calls that returned normally", Metrics::written);
        counter(registry, "dropped", itemUnit, "Items discarded and never delivered", Metrics::dropped);
        counter(registry, "batches", "calls", "Flusher calls that returned normally", Metrics::batches);
        counter(registry, "failures", "calls", "Flusher calls that threw", Metrics::failures);
    }

    private void counter(
            MeterRegistry registry, String name, String unit, String description, ToDoubleFunction<Metrics> field) {
        FunctionCounter.builder(PREFIX + name, source, value(field))
                .tags(tags)
                .baseUnit(unit)
                .description(description)
                .register(registry);
    }

    private ToDoubleFunction<Object> value(ToDoubleFunction<Metrics> field) {
        return s -> field.applyAsDouble(read.apply(s));
    }

    @Override
    public String toString() {
        return "MwsrMetrics[" + tags + "]";
    }
}
