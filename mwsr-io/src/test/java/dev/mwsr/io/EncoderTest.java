package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EncoderTest {
    /** A sink that grows, collecting everything written into it. */
    private static final class Collecting extends ByteSink {
        Collecting() {
            super(Path.of("test"));
            buffer = ByteBuffer.allocate(8);
        }

        @Override
        ByteBuffer makeRoom(int bytes) {
            ByteBuffer larger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
            larger.put(buffer.flip());
            buffer = larger;
            return larger;
        }

        byte[] bytes() {
            return Arrays.copyOf(buffer.array(), buffer.position());
        }
    }

    @Test
    void utf8Lines_matchesStringGetBytes_includingReplacedLoneSurrogates() {
        String[] samples = {
            "",
            "ascii",
            "caf\u00e9",
            "\uD83D\uDE00 smile",
            "lone \uD800 high",
            "lone low \uDC00",
            "end high \uD83D",
            "\u4e2d\u6587".repeat(50)
        };
        for (String s : samples) {
            Collecting sink = new Collecting();
            Encoder.utf8Lines().encode(s, sink);
            assertArrayEquals((s + "\n").getBytes(StandardCharsets.UTF_8), sink.bytes(), s);
        }
    }

    /** A sink of a fixed small buffer that is written out (collected) whenever it is full. */
    private static final class Draining extends ByteSink {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        private final int capacity;
        int largest;

        Draining(int capacity) {
            super(Path.of("test"));
            this.capacity = capacity;
            buffer = ByteBuffer.allocateDirect(capacity);
        }

        @Override
        ByteBuffer makeRoom(int bytes) {
            drain();
            if (bytes > capacity) {
                buffer = ByteBuffer.allocateDirect(bytes);
            }
            return buffer;
        }

        void drain() {
            largest = Math.max(largest, buffer.capacity());
            ByteBuffer b = buffer.flip();
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            out.writeBytes(chunk);
            b.clear();
        }

        byte[] bytes() {
            drain();
            return out.toByteArray();
        }
    }

    /** Texts around the encoder's fast paths: ASCII, Latin-1, surrogates, chunk and buffer edges. */
    private static List<String> edgeTexts() {
        List<String> texts = new ArrayList<>(List.of(
                "",
                "a",
                "\u00e9",
                "\u007f\u0080",
                "\uD800",
                "\uDC00x",
                "x\uD83D",
                "\uD83D\uDE00",
                "ascii then caf\u00e9",
                "\u00ff Latin-1 only \u00e0\u00e8",
                "\u4e2d\u6587 then ascii"));
        int chunk = ByteSink.CHUNK;
        for (int length : new int[] {63, 64, 65, chunk - 1, chunk, chunk + 1, 2 * chunk + 3}) {
            String ascii = "x".repeat(length);
            texts.add(ascii);
            texts.add(ascii + "\u00e9");
            texts.add("\u00e9" + ascii);
            texts.add(ascii + "\uD800");
        }
        // A surrogate pair across the chunk boundary, after an all-ASCII chunk.
        texts.add("y".repeat(chunk - 1) + "\uD83D\uDE00" + "tail");
        texts.add("y".repeat(chunk) + "\uD83D\uDE00");
        texts.add("y".repeat(chunk - 1) + "\uD83D");
        texts.add("y".repeat(chunk - 1) + "\uD800z");
        texts.add("\u4e2d".repeat(chunk + 1) + "\uD83D\uDE00".repeat(chunk));
        return texts;
    }

    /** The same text as every kind of CharSequence the encoder treats differently. */
    private static List<CharSequence> forms(String s) {
        return List.of(s, new StringBuilder(s), new StringBuffer(s), java.nio.CharBuffer.wrap(s));
    }

    @Test
    void utf8Lines_matchesStringGetBytes_forEdgeTexts_everyCharSequence_andSmallBuffers() {
        for (String s : edgeTexts()) {
            byte[] expected = (s + "\n").getBytes(StandardCharsets.UTF_8);
            for (CharSequence text : forms(s)) {
                String what = text.getClass().getSimpleName() + " of " + s.length() + " chars: "
                        + s.substring(0, Math.min(20, s.length()));
                Collecting growing = new Collecting();
                Encoder.utf8Lines().encode(text, growing);
                assertArrayEquals(expected, growing.bytes(), what);
                for (int capacity : new int[] {64, 100, 4096}) {
                    Draining small = new Draining(capacity);
                    Encoder.utf8Lines().encode(text, small);
                    assertArrayEquals(expected, small.bytes(), what + ", buffer " + capacity);
                    assertEquals(capacity, small.largest, "text is written out piecewise, never in a larger buffer");
                }
            }
        }
    }

    @Test
    void putUtf8_matchesStringGetBytes_forEdgeTexts() {
        for (String s : edgeTexts()) {
            for (CharSequence text : forms(s)) {
                Draining sink = new Draining(64);
                sink.putUtf8(text);
                sink.putUtf8(text);
                assertArrayEquals(
                        (s + s).getBytes(StandardCharsets.UTF_8),
                        sink.bytes(),
                        s.length() + " chars: " + s.substring(0, Math.min(20, s.length())));
            }
        }
    }

    @Test
    void utf8Lines_matchesStringGetBytes_forRandomMixedTexts() {
        Random random = new Random(13);
        char[] alphabet = {
            'a', 'Z', '0', ' ', '\n', '\u007f', '\u0080', '\u00e9', '\u00ff', '\u0100', '\u4e2d', '\uD800', '\uDBFF',
            '\uDC00', '\uDFFF', '\uFFFF'
        };
        for (int round = 0; round < 2000; round++) {
            int length = random.nextInt(round % 50 == 0 ? 3 * ByteSink.CHUNK : 300);
            StringBuilder text = new StringBuilder(length);
            boolean asciiOnly = random.nextInt(3) == 0;
            for (int i = 0; i < length; i++) {
                text.append(
                        asciiOnly || random.nextInt(20) > 0
                                ? (char) (' ' + random.nextInt(95))
                                : alphabet[random.nextInt(alphabet.length)]);
            }
            String s = text.toString();
            Draining sink = new Draining(64 + random.nextInt(200));
            Encoder.utf8Lines().encode(random.nextBoolean() ? s : text, sink);
            assertArrayEquals((s + "\n").getBytes(StandardCharsets.UTF_8), sink.bytes(), "round " + round);
        }
    }

    @Test
    void utf8Lines_acceptsAnyCharSequence() {
        Collecting sink = new Collecting();
        Encoder.utf8Lines().encode(new StringBuilder("sb \u00e9"), sink);
        assertEquals("sb \u00e9\n", new String(sink.bytes(), StandardCharsets.UTF_8));
    }

    @Test
    void reserve_rejectsNegative_andIsAlwaysBigEndian() {
        Collecting sink = new Collecting();
        assertThrows(IllegalArgumentException.class, () -> sink.reserve(-1));
        sink.reserve(4).order(ByteOrder.LITTLE_ENDIAN).putInt(1);
        assertEquals(ByteOrder.BIG_ENDIAN, sink.reserve(4).order());
        sink.reserve(100).putInt(1);
        assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 1}, sink.bytes());
    }
}
