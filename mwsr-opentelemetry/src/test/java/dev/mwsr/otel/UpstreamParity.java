package dev.mwsr.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.function.Supplier;

/** Compares one of our builders with the SDK's by reflection: same methods, same refusals. */
final class UpstreamParity {
    private UpstreamParity() {}

    /** Every public instance method of {@code upstream} exists on {@code ours}, same name and parameters. */
    static void sameMethods(Class<?> upstream, Class<?> ours) {
        for (Method m : upstream.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic()) {
                continue;
            }
            try {
                Method mine = ours.getMethod(m.getName(), m.getParameterTypes());
                Class<?> expectedReturn = m.getReturnType() == upstream ? ours : null;
                if (expectedReturn != null) {
                    assertEquals(expectedReturn, mine.getReturnType(), m.getName() + " returns the builder");
                }
            } catch (NoSuchMethodException e) {
                throw new AssertionError(ours.getSimpleName() + " lacks " + m.getName()
                        + Arrays.toString(m.getParameterTypes()) + " of " + upstream.getSimpleName());
            }
        }
    }

    /**
     * Calls {@code name(args)} on a fresh builder of each kind and checks that both throw the same
     * exception type with the same message, or that neither throws.
     */
    static void sameRefusal(
            Supplier<Object> upstream, Supplier<Object> ours, String name, Class<?>[] types, Object... args)
            throws ReflectiveOperationException {
        Throwable theirs = call(upstream.get(), name, types, args);
        Throwable mine = call(ours.get(), name, types, args);
        String what = name + Arrays.toString(args);
        if (theirs == null) {
            assertEquals(null, mine, what + ": upstream accepts it");
            return;
        }
        assertTrue(mine != null, what + ": upstream throws " + theirs);
        assertEquals(theirs.getClass(), mine.getClass(), what);
        assertEquals(theirs.getMessage(), mine.getMessage(), what);
    }

    private static Throwable call(Object builder, String name, Class<?>[] types, Object[] args)
            throws ReflectiveOperationException {
        try {
            builder.getClass().getMethod(name, types).invoke(builder, args);
            return null;
        } catch (InvocationTargetException e) {
            return e.getCause();
        }
    }
}
