package dev.pmmlkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.pmml4s.model.Model;

/**
 * Scores whole columns in one call, so that a frame crosses from Python to the JVM once
 * instead of row by row. Inputs arrive as primitive arrays (double[] with NaN for missing,
 * long[] with a separate missing mask, String[] with null for missing), ordered as
 * {@code model.inputNames()}. Each output column comes back as double[] (numeric outputs,
 * NaN for missing) or String[] (everything else, null for missing).
 *
 * PMML4S models are not safe to share between threads, so parallel scoring gives every
 * thread its own Model instance, parsed from the same document.
 */
public final class BatchScorer {

    /** Stack size for threads that parse or score deeply nested documents (deep trees recurse). */
    private static final long DEEP_STACK = 1L << 30;

    private BatchScorer() {
    }

    /** Parses a document on a thread with a large stack, so that deep trees load instead of overflowing. */
    public static Model load(byte[] data) throws Exception {
        return onDeepStack(() -> Model.fromBytes(data));
    }

    /** Like {@link #score}, but on a thread with a large stack (the retry path for deep trees). */
    public static Object[] scoreDeep(Model[] models, Object[] columns, boolean[][] missing, boolean[] numericOutputs,
            int rows) throws Exception {
        return onDeepStack(() -> score(models, columns, missing, numericOutputs, rows));
    }

    private static <T> T onDeepStack(java.util.concurrent.Callable<T> task) throws Exception {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread thread = new Thread(null, () -> {
            try {
                result[0] = task.call();
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "pmmlkit-deep", DEEP_STACK);
        thread.start();
        thread.join();
        if (failure[0] instanceof Exception) {
            throw (Exception) failure[0];
        }
        if (failure[0] instanceof Error) {
            throw (Error) failure[0];
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    public static Object[] score(Model[] models, Object[] columns, boolean[][] missing, boolean[] numericOutputs, int rows)
            throws Exception {
        int nOut = numericOutputs.length;
        Object[] out = new Object[nOut];
        for (int j = 0; j < nOut; j++) {
            out[j] = numericOutputs[j] ? new double[rows] : new String[rows];
        }
        int threads = Math.max(1, Math.min(models.length, rows / 2048));
        if (threads == 1) {
            scoreRange(models[0], columns, missing, numericOutputs, out, 0, rows);
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            int chunk = (rows + threads - 1) / threads;
            for (int t = 0; t < threads; t++) {
                final Model model = models[t];
                final int from = t * chunk;
                final int to = Math.min(rows, from + chunk);
                futures.add(pool.submit(() -> {
                    scoreRange(model, columns, missing, numericOutputs, out, from, to);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof Exception) {
                        throw (Exception) cause;
                    }
                    throw e;
                }
            }
        } finally {
            pool.shutdown();
        }
        return out;
    }

    /** Scores one record (values in {@code model.inputNames()} order; null or NaN for missing). */
    public static Object[] scoreRecord(Model model, Object[] row, boolean[] numericOutputs) {
        Object[] values = new Object[row.length];
        for (int c = 0; c < row.length; c++) {
            Object v = row[c];
            values[c] = (v instanceof Double && ((Double) v).isNaN()) ? null : v;
        }
        Object[] result = model.predict(values);
        Object[] out = new Object[numericOutputs.length];
        for (int j = 0; j < out.length && j < result.length; j++) {
            Object v = result[j];
            out[j] = numericOutputs[j] ? (Object) Double.valueOf(toDouble(v)) : (v == null ? null : v.toString());
        }
        return out;
    }

    private static void scoreRange(Model model, Object[] columns, boolean[][] missing, boolean[] numericOutputs,
            Object[] out, int from, int to) {
        int nIn = columns.length;
        int nOut = numericOutputs.length;
        for (int i = from; i < to; i++) {
            Object[] row = new Object[nIn];
            for (int c = 0; c < nIn; c++) {
                row[c] = cell(columns[c], missing == null ? null : missing[c], i);
            }
            Object[] result;
            try {
                result = model.predict(row);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("row " + i + ": " + e, e);
            }
            for (int j = 0; j < nOut && j < result.length; j++) {
                Object v = result[j];
                if (numericOutputs[j]) {
                    ((double[]) out[j])[i] = toDouble(v);
                } else {
                    ((String[]) out[j])[i] = v == null ? null : v.toString();
                }
            }
        }
    }

    private static Object cell(Object column, boolean[] missing, int i) {
        if (missing != null && missing[i]) {
            return null;
        }
        if (column instanceof double[]) {
            double v = ((double[]) column)[i];
            return Double.isNaN(v) ? null : Double.valueOf(v);
        }
        if (column instanceof long[]) {
            return Long.valueOf(((long[]) column)[i]);
        }
        return ((Object[]) column)[i];
    }

    private static double toDouble(Object v) {
        if (v == null) {
            return Double.NaN;
        }
        if (v instanceof Long && ((Long) v).longValue() == Long.MIN_VALUE) {
            // PMML4S reports a missing integer result as Long.MIN_VALUE.
            return Double.NaN;
        }
        if (v instanceof Number) {
            return ((Number) v).doubleValue();
        }
        if (v instanceof Boolean) {
            return ((Boolean) v) ? 1.0 : 0.0;
        }
        try {
            return Double.parseDouble(v.toString());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
