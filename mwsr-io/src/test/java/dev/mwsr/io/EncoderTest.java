package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
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
