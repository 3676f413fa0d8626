/**
 * Flushers that write batches to files: text lines and items of any type ({@link
 * dev.mwsr.io.FileFlusher}), bytes ({@link dev.mwsr.io.ByteChannelFlusher}) and TFRecord record
 * files ({@link dev.mwsr.io.FileFlusher#records}, {@link dev.mwsr.io.RecordReader}, sharded in
 * {@link dev.mwsr.io.ShardedRecordWriter} and {@link dev.mwsr.io.ShardedRecordReader}). Each
 * flusher's public type states its contract: what a failed batch leaves in the file, what an
 * interrupt does, how a file is reopened after a crash.
 */
package dev.mwsr.io;
