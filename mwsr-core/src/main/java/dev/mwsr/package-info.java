/**
 * Many writers, one batch flusher: {@link dev.mwsr.Buffer} (flushes inline on a writer's thread),
 * {@link dev.mwsr.AsyncBuffer} (one background drainer thread flushes) and
 * {@link dev.mwsr.ByteBatchBuffer} (bytes, flushed inline). The per-method contract is
 * {@link dev.mwsr.BatchBuffer}'s; this page states the promises every call shares, once; each
 * class adds only what is its own.
 *
 * <h2>Threads</h2>
 * Every method may be called from any thread. The flusher is called by one thread at a time, never
 * concurrently with itself, never with an empty batch, and never with more than the batch limit
 * ({@code capacity()}, or {@code maxBatch} for an {@code AsyncBuffer}), except for one
 * {@code writeV} (or byte write) larger than that, which arrives as one call of exactly its items.
 * The flusher must not call {@code flush()} or {@code close()} on its own buffer; those throw
 * {@link java.lang.IllegalStateException} rather than wait for themselves, as does a write from
 * inside the flusher that would have to wait.
 *
 * <h2>Happens-before</h2>
 * Actions of a thread before {@code write(x)} happen-before the flusher call that holds {@code x};
 * the flusher's return for those items happens-before {@code flush()} returns in any thread whose
 * call to {@code flush()} happens-after those writes. Items of one thread arrive in the order
 * written; the items of one {@code writeV} arrive contiguous, in order, in one flusher call.
 * {@code metrics()} are estimates for monitoring, not for synchronization; their lag figure
 * ({@link dev.mwsr.Metrics#lagNanos()}, how long the oldest item of the batch being delivered has
 * waited) costs no clock read per write: an {@code AsyncBuffer} reports a lower bound, the inline
 * buffers an upper bound, dated by the cut before the batch's own.
 *
 * <h2>The list view</h2>
 * The flusher receives a read-only view ({@code List} or {@code ByteBuffer}) valid only during the
 * call; its storage is reused afterwards, so a flusher that keeps items copies them. The caller's
 * array or list given to {@code writeV} is read once, before anything is claimed: a list that
 * changes or throws under the caller writes all of what it returned, or nothing.
 *
 * <h2>Exactly once, and failures</h2>
 * Every item whose {@code write}/{@code writeV} returned normally is, exactly once, either
 * <ul>
 *   <li>delivered (in a flusher call that returned normally, or in the durable prefix a flusher
 *       reported with {@link dev.mwsr.PartialFlushException});</li>
 *   <li>dropped by an {@code AsyncBuffer} policy that drops, and counted in
 *       {@link dev.mwsr.Metrics#dropped()} (an overflow policy, or the bounded failure policy
 *       without a dead-letter handler, which also logs it); or handed to the bounded failure
 *       policy's dead-letter handler;</li>
 *   <li>in {@link dev.mwsr.FlushFailedException#undelivered()} of every exception a failed buffer
 *       throws (the failed batch first); or in {@link dev.mwsr.FlushFailedException#inDoubt()},
 *       only when {@code close(Duration)} abandoned a flusher call still running.</li>
 * </ul>
 * A write that threw {@link java.lang.IllegalStateException} for a closed buffer, or
 * {@link java.util.concurrent.CancellationException}, accepted nothing. A write that threw
 * {@link dev.mwsr.FlushFailedException} because it ran the failing flush itself had accepted its
 * own items first (they are in {@code undelivered()}); one that found the buffer failed accepted
 * nothing.
 *
 * <p>Failures are never silent. By default a buffer fails fast: once the flusher throws, the call
 * that ran (or observed) the flush and every later {@code write}, {@code writeV}, {@code flush} and
 * {@code close} throw {@link dev.mwsr.FlushFailedException} with the flusher's exception as cause.
 * An {@code AsyncBuffer} may instead retry (forever, or bounded with a dead letter). A
 * {@link java.lang.VirtualMachineError} from the flusher (out of memory, stack overflow) is never
 * retried under any policy: the buffer fails at once and the error stays in the cause chain as
 * itself; an inline flush ({@code Buffer}, {@code ByteBatchBuffer}) rethrows it unwrapped to the
 * call that ran the flush, so that a {@code catch (RuntimeException)} cannot swallow it.
 *
 * <h2>Interrupts</h2>
 * An interrupt never costs data. A flusher call never runs with an interrupt flag that its thread
 * brought in: the flag is cleared around the call and set again after it (an interruptible channel,
 * such as a {@code FileChannel}, would otherwise close itself), so {@code flush()}, {@code close()}
 * and an inline-flushing {@code write} from an interrupted thread deliver as usual and return with
 * the flag still set. mwsr never interrupts a flusher call itself, not even when
 * {@code close(Duration)} abandons one. Only a real wait is interruptible: a writer interrupted while it
 * waits for room (both halves full, or {@code BLOCK}) throws
 * {@link java.util.concurrent.CancellationException} with the {@link java.lang.InterruptedException}
 * as cause, its flag set again and none of its items written; {@code flush()} and {@code close()}
 * wait regardless of interrupts.
 *
 */
package dev.mwsr;
