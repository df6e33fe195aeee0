package io.ropescale.model;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of worker threads that run task indexes 0..tasks-1; the calling thread works too.
 * Tasks are claimed one at a time from a shared counter, so uneven tasks (causal attention
 * blocks) balance themselves. Threads are daemons: an unclosed pool never keeps a JVM alive.
 */
final class Parallel implements AutoCloseable {
  interface Body {
    void run(int worker, int task);
  }

  private final int threads;
  private final ExecutorService pool;

  Parallel(int threads) {
    this.threads = threads;
    this.pool = threads > 1 ? Executors.newFixedThreadPool(threads - 1, r -> {
      Thread t = new Thread(r, "ropescale-forward");
      t.setDaemon(true);
      return t;
    }) : null;
  }

  int threads() {
    return threads;
  }

  void forEach(int tasks, Body body) {
    AtomicInteger next = new AtomicInteger();
    int helpers = Math.min(threads, tasks) - 1;
    Future<?>[] fs = new Future<?>[Math.max(helpers, 0)];
    for (int w = 1; w <= helpers; w++) {
      int worker = w;
      fs[w - 1] = pool.submit(() -> drain(next, tasks, worker, body));
    }
    drain(next, tasks, 0, body);
    for (Future<?> f : fs) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("forward pass interrupted", e);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof RuntimeException) {
          throw (RuntimeException) c;
        }
        if (c instanceof Error) {
          throw (Error) c;
        }
        throw new IllegalStateException(c);
      }
    }
  }

  private static void drain(AtomicInteger next, int tasks, int worker, Body body) {
    for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
      body.run(worker, t);
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
