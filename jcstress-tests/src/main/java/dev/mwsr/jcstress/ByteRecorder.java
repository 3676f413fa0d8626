package dev.mwsr.jcstress;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The flusher of the {@code ByteBatchBuffer} tests: copies every batch it receives (the view is
 * valid only during the call) and records it. Like {@link Recorder} it adds no synchronization of
 * its own: it relies on the buffer's promise that flusher calls never overlap, and on
 * {@code close()} or the jcstress arbiter for visibility to the reader.
 *
 * <p>Batches are shown split into the test's records ({@code "[a1 bb1] [a2]"}), so that an
 * outcome reads like the item tests' outcomes. The records must be a prefix code (none is the
 * start of another), so the split is unambiguous. Bytes that are not a whole record where one is
 * expected (a torn range, zeros of a range never copied, old bytes of a reused region) are shown
 * raw after a {@code ?}, unprintable bytes as {@code .}: {@code "[a1 ?.. ]"}; no acceptable
 * outcome contains a {@code ?}.
 */
final class ByteRecorder implements Consumer<ByteBuffer> {
    private final List<String> records;
    private final List<byte[]> batches = new ArrayList<>();
    private final int failFrom;
    private int calls;

    /** @param records the records the test writes, ASCII */
    ByteRecorder(String... records) {
        this(Integer.MAX_VALUE, records);
    }

    private ByteRecorder(int failFrom, String... records) {
        this.records = List.of(records);
        this.failFrom = failFrom;
    }

    /** Records its batches, and throws (recording nothing) from call {@code call} on. */
    static ByteRecorder failingFrom(int call, String... records) {
        return new ByteRecorder(call, records);
    }

    @Override
    public void accept(ByteBuffer view) {
        if (++calls >= failFrom) {
            throw new IllegalStateException("sink down");
        }
        byte[] copy = new byte[view.remaining()];
        view.get(copy);
        batches.add(copy);
    }

    /** The flusher calls, in order, each split into records: {@code "[a1 bb1] [a2]"}. */
    String batches() {
        StringBuilder sb = new StringBuilder();
        for (byte[] batch : batches) {
            sb.append(sb.isEmpty() ? "[" : " [").append(split(batch)).append(']');
        }
        return sb.toString();
    }

    /** The records in delivery order, across calls: {@code "a1 bb1 a2"}. */
    String sequence() {
        StringBuilder sb = new StringBuilder();
        for (byte[] batch : batches) {
            sb.append(sb.isEmpty() ? "" : " ").append(split(batch));
        }
        return sb.toString();
    }

    /** Every record delivered, in order (bytes that are not a whole record as one {@code ?} entry). */
    List<String> delivered() {
        List<String> all = new ArrayList<>();
        for (byte[] batch : batches) {
            all.addAll(List.of(split(batch).split(" ")));
        }
        return all;
    }

    /** The records in {@code bytes} (read from its position to its limit), as {@link #delivered()} shows them. */
    List<String> records(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        return copy.length == 0 ? List.of() : List.of(split(copy).split(" "));
    }

    /** How many times {@code record} was delivered whole, as one of the records of a batch. */
    int count(String record) {
        int n = 0;
        for (byte[] batch : batches) {
            for (String r : split(batch).split(" ")) {
                if (r.equals(record)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The bytes of flusher call {@code i} read as decimal digits ({1, 2, 3} is 123), or -1 if there was none. */
    int digits(int i) {
        if (i >= batches.size()) {
            return -1;
        }
        int v = 0;
        for (byte b : batches.get(i)) {
            v = 10 * v + b;
        }
        return v;
    }

    private String split(byte[] batch) {
        String s = new String(batch, StandardCharsets.ISO_8859_1);
        StringBuilder sb = new StringBuilder();
        int at = 0;
        while (at < s.length()) {
            String next = null;
            for (String r : records) {
                if (s.startsWith(r, at)) {
                    next = r;
                    break;
                }
            }
            sb.append(sb.isEmpty() ? "" : " ");
            if (next == null) {
                sb.append('?');
                for (int i = at; i < s.length(); i++) {
                    char c = s.charAt(i);
                    sb.append(c >= 0x21 && c < 0x7f ? c : '.');
                }
                break;
            }
            sb.append(next);
            at += next.length();
        }
        return sb.toString();
    }
}
