// Apache Curator 5.4 (the Debian packages' jars, unmodified) against a natszk gateway: CRUD,
// CuratorCache and TreeCache, InterProcessMutex (exclusion, and the handover when the holder's
// JVM is killed with SIGKILL), LeaderLatch, DistributedBarrier, DistributedDoubleBarrier,
// DistributedAtomicLong and SharedCount. test/gateway-curator.test.ts compiles and runs it.
//
//   java -cp ... CuratorRecipes all <connect string> <base path>
//     prints `ok <check> ...` or `FAIL <check>: why` per check, exits 1 if any failed
//   java -cp ... CuratorRecipes hold <connect string> <lock path>
//     (the child JVM the lock-handover check kills) takes the lock, prints `holding`, waits
//     until stdin closes (the parent gone) or it is killed

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.barriers.DistributedBarrier;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.cache.TreeCache;
import org.apache.curator.framework.recipes.cache.TreeCacheEvent;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.VersionedValue;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

public final class CuratorRecipes {
  /** Negotiated as is: the test gateways' tick is 500 ms, so sessions may last 1 to 10 s. */
  static final int SESSION_MS = 4000;
  /** Generous: a loaded 2-core machine runs the ensemble, the gateway and these JVMs. */
  static final long WAIT_MS = 60_000;

  static String connect;
  static String base;
  static final List<CuratorFramework> clients = new CopyOnWriteArrayList<>();
  static boolean failed = false;

  static final class CheckFailed extends RuntimeException {
    CheckFailed(String why) { super(why); }
  }

  interface Check { String run() throws Exception; }

  static void check(boolean ok, String why) {
    if (!ok) throw new CheckFailed(why);
  }

  static String str(byte[] b) { return b == null ? null : new String(b, StandardCharsets.UTF_8); }
  static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

  /** Polls until cond holds; false past timeoutMs. */
  static boolean waitUntil(BooleanSupplier cond, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!cond.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) return false;
      Thread.sleep(20);
    }
    return true;
  }

  /** A started client with a ZooKeeper session of its own, connected. */
  static CuratorFramework client() throws InterruptedException {
    CuratorFramework c = CuratorFrameworkFactory.builder()
        .connectString(connect)
        .sessionTimeoutMs(SESSION_MS)
        .connectionTimeoutMs(15_000)
        .retryPolicy(new ExponentialBackoffRetry(100, 10, 2000))
        .build();
    clients.add(c);
    c.start();
    check(c.blockUntilConnected(60, TimeUnit.SECONDS), "no connection to " + connect);
    return c;
  }

  static void run(String name, Check check) {
    long start = System.currentTimeMillis();
    try {
      String detail = check.run();
      System.out.println("ok " + name + (detail == null ? "" : " " + detail) + " [" + (System.currentTimeMillis() - start) + " ms]");
    } catch (Throwable t) {
      failed = true;
      System.out.println("FAIL " + name + ": " + t);
      t.printStackTrace();
    }
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: CuratorRecipes all|hold <connect string> <path>");
      System.exit(2);
    }
    connect = args[1];
    if (args[0].equals("hold")) {
      hold(args[2]);
      return;
    }
    base = args[2];
    // Past this the run has hung somewhere; say so rather than wait for the test's kill.
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(400_000);
        System.out.println("FAIL watchdog: still running after 400 s");
        System.out.flush();
        Runtime.getRuntime().halt(3);
      } catch (InterruptedException e) { /* done */ }
    });
    watchdog.setDaemon(true);
    watchdog.start();

    CuratorFramework c = client();
    CuratorFramework c2 = client();
    run("crud", () -> crud(c));
    run("curator-cache", () -> curatorCache(c, c2));
    run("tree-cache", () -> treeCache(c, c2));
    run("mutex-exclusive", CuratorRecipes::mutexExclusive);
    run("lock-handover", CuratorRecipes::lockHandover);
    run("leader-latch", CuratorRecipes::leaderLatch);
    run("barrier", CuratorRecipes::barrier);
    run("double-barrier", CuratorRecipes::doubleBarrier);
    run("atomic-long", CuratorRecipes::atomicLong);
    run("shared-count", CuratorRecipes::sharedCount);
    run("cleanup", () -> {
      c.delete().deletingChildrenIfNeeded().forPath(base);
      check(c.checkExists().forPath(base) == null, base + " still exists");
      return null;
    });
    for (CuratorFramework x : clients) x.close();
    System.out.println(failed ? "FAILED" : "done");
    System.out.flush();
    System.exit(failed ? 1 : 0);
  }

  static String crud(CuratorFramework c) throws Exception {
    String p = base + "/crud/a/b";
    c.create().creatingParentsIfNeeded().forPath(p, bytes("v1"));
    check("v1".equals(str(c.getData().forPath(p))), "getData after create");
    Stat st = new Stat();
    c.getData().storingStatIn(st).forPath(p);
    check(st.getVersion() == 0 && st.getDataLength() == 2, "stat after create: " + st);
    Stat set = c.setData().withVersion(0).forPath(p, bytes("v2"));
    check(set.getVersion() == 1, "setData with version 0 gave version " + set.getVersion());
    try {
      c.setData().withVersion(0).forPath(p, bytes("v3"));
      check(false, "setData with a stale version succeeded");
    } catch (KeeperException.BadVersionException expected) { /* as ZooKeeper */ }
    try {
      c.create().forPath(p);
      check(false, "create of an existing node succeeded");
    } catch (KeeperException.NodeExistsException expected) { /* as ZooKeeper */ }
    try {
      c.getData().forPath(base + "/crud/missing");
      check(false, "getData of a missing node succeeded");
    } catch (KeeperException.NoNodeException expected) { /* as ZooKeeper */ }
    Stat ex = c.checkExists().forPath(p);
    check(ex != null && ex.getVersion() == 1, "exists: " + ex);
    check(c.getChildren().forPath(base + "/crud/a").equals(List.of("b")), "children of a");
    String seq = c.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath(base + "/crud/a/e-");
    check(seq.matches(".*/e-\\d{10}"), "sequential name " + seq);
    // A transaction is a multi.
    List<CuratorTransactionResult> tx = c.transaction().forOperations(
        c.transactionOp().create().forPath(base + "/crud/tx", bytes("t")),
        c.transactionOp().setData().withVersion(1).forPath(p, bytes("v3")),
        c.transactionOp().check().withVersion(0).forPath(base + "/crud/tx"));
    check(tx.size() == 3 && "v3".equals(str(c.getData().forPath(p))), "transaction");
    try {
      c.delete().withVersion(0).forPath(p);
      check(false, "delete with a stale version succeeded");
    } catch (KeeperException.BadVersionException expected) { /* as ZooKeeper */ }
    c.delete().withVersion(2).forPath(p);
    check(c.checkExists().forPath(p) == null, "exists after delete");
    c.delete().deletingChildrenIfNeeded().forPath(base + "/crud");
    check(c.checkExists().forPath(base + "/crud") == null, "deletingChildrenIfNeeded");
    return null;
  }

  static String curatorCache(CuratorFramework c, CuratorFramework other) throws Exception {
    String root = base + "/cache";
    c.create().creatingParentsIfNeeded().forPath(root + "/old", bytes("0"));
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch initialized = new CountDownLatch(1);
    CuratorCache cache = CuratorCache.build(c, root);
    cache.listenable().addListener(CuratorCacheListener.builder()
        .forCreates((n) -> events.add("create " + n.getPath() + " " + str(n.getData())))
        .forChanges((o, n) -> events.add("change " + n.getPath() + " " + str(o.getData()) + "->" + str(n.getData())))
        .forDeletes((o) -> events.add("delete " + o.getPath()))
        .forInitialized(initialized::countDown)
        .build());
    cache.start();
    try {
      check(initialized.await(WAIT_MS, TimeUnit.MILLISECONDS), "never initialized");
      check(cache.get(root + "/old").map((d) -> str(d.getData())).orElse("").equals("0"), "initial contents");
      // One change at a time: the cache reads a node after its event, so a second write made
      // before that read would be seen in its place (ZooKeeper's watches promise no more).
      other.create().forPath(root + "/k", bytes("1"));
      check(waitUntil(() -> events.contains("create " + root + "/k 1"), WAIT_MS), "no create: " + events);
      other.setData().forPath(root + "/k", bytes("2"));
      check(waitUntil(() -> events.contains("change " + root + "/k 1->2"), WAIT_MS), "no change: " + events);
      other.delete().forPath(root + "/k");
      check(waitUntil(() -> events.contains("delete " + root + "/k"), WAIT_MS), "no delete: " + events);
      return null;
    } finally {
      cache.close();
    }
  }

  static String treeCache(CuratorFramework c, CuratorFramework other) throws Exception {
    String root = base + "/tree";
    c.create().creatingParentsIfNeeded().forPath(root);
    List<String> events = new CopyOnWriteArrayList<>();
    TreeCache cache = TreeCache.newBuilder(c, root).build();
    cache.getListenable().addListener((cl, e) -> {
      if (e.getType() == TreeCacheEvent.Type.INITIALIZED) events.add("initialized");
      else if (e.getData() != null) events.add(e.getType() + " " + e.getData().getPath() + " " + str(e.getData().getData()));
    });
    cache.start();
    try {
      check(waitUntil(() -> events.contains("initialized"), WAIT_MS), "never initialized: " + events);
      other.create().forPath(root + "/x", bytes("a"));
      check(waitUntil(() -> events.contains("NODE_ADDED " + root + "/x a"), WAIT_MS), "no NODE_ADDED: " + events);
      other.setData().forPath(root + "/x", bytes("b"));
      check(waitUntil(() -> events.contains("NODE_UPDATED " + root + "/x b"), WAIT_MS), "no NODE_UPDATED: " + events);
      check("b".equals(str(cache.getCurrentData(root + "/x").getData())), "cached data");
      other.delete().forPath(root + "/x");
      check(waitUntil(() -> events.contains("NODE_REMOVED " + root + "/x b"), WAIT_MS), "no NODE_REMOVED: " + events);
      return null;
    } finally {
      cache.close();
    }
  }

  /** Three clients, five turns each on one lock: never two holders at once. */
  static String mutexExclusive() throws Exception {
    String lock = base + "/mutex";
    AtomicInteger holders = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger turns = new AtomicInteger();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CuratorFramework ci = client();
      Thread t = new Thread(() -> {
        InterProcessMutex m = new InterProcessMutex(ci, lock);
        try {
          for (int k = 0; k < 5; k++) {
            check(m.acquire(WAIT_MS, TimeUnit.MILLISECONDS), "acquire timed out");
            int h = holders.incrementAndGet();
            most.accumulateAndGet(h, Math::max);
            Thread.sleep(30);
            holders.decrementAndGet();
            turns.incrementAndGet();
            m.release();
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      threads.add(t);
    }
    for (Thread t : threads) t.start();
    for (Thread t : threads) t.join(4 * WAIT_MS);
    check(errors.isEmpty(), "errors " + errors);
    check(most.get() == 1, most.get() + " holders at once");
    check(turns.get() == 15, turns.get() + " turns of 15");
    return "(3 clients, 15 turns, never two holders)";
  }

  /**
   * A child JVM takes the lock; two waiters (in this JVM, each its own session) queue behind it;
   * the child is killed with SIGKILL, its session expires, its lock node goes, and exactly one
   * waiter gets the lock; the other only once that one releases.
   */
  static String lockHandover() throws Exception {
    String lock = base + "/handover";
    String java = ProcessHandle.current().info().command().orElse("java");
    Process holder = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "CuratorRecipes", "hold", connect, lock)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    List<Thread> threads = new ArrayList<>();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      check(line != null && line.startsWith("holding"), "the holder JVM said " + line);

      CuratorFramework watcher = client();
      InterProcessMutex view = new InterProcessMutex(watcher, lock);
      check(view.getParticipantNodes().size() == 1, "participants before the waiters: " + view.getParticipantNodes());

      List<String> acquired = new CopyOnWriteArrayList<>();
      AtomicLong firstAt = new AtomicLong();
      CountDownLatch releaseFirst = new CountDownLatch(1);
      List<Throwable> errors = new CopyOnWriteArrayList<>();
      for (String name : List.of("w1", "w2")) {
        CuratorFramework ci = client();
        Thread t = new Thread(() -> {
          InterProcessMutex m = new InterProcessMutex(ci, lock);
          try {
            check(m.acquire(3 * WAIT_MS, TimeUnit.MILLISECONDS), name + " never got the lock");
            acquired.add(name);
            if (acquired.size() == 1) {
              firstAt.set(System.currentTimeMillis());
              releaseFirst.await();
            }
            m.release();
          } catch (Throwable e) {
            errors.add(e);
          }
        });
        threads.add(t);
        t.start();
        // The waiters queue in a known order.
        int want = threads.size() + 1;
        check(waitUntil(() -> {
          try { return view.getParticipantNodes().size() == want; } catch (Exception e) { return false; }
        }, WAIT_MS), name + " never queued");
      }
      Thread.sleep(1000);
      check(acquired.isEmpty(), "a waiter got the lock while the holder lived: " + acquired);

      long pid = holder.pid();
      long killedAt = System.currentTimeMillis();
      holder.destroyForcibly(); // SIGKILL: the holder's session is left to expire
      check(holder.waitFor(30, TimeUnit.SECONDS), "the holder JVM did not die");
      check(waitUntil(() -> !acquired.isEmpty(), 3 * WAIT_MS), "no waiter got the lock after the holder was killed");
      long handover = firstAt.get() - killedAt;
      // The first waiter holds on; the other must still be waiting.
      Thread.sleep(2000);
      check(acquired.size() == 1, "two waiters got the lock: " + acquired);
      check(acquired.get(0).equals("w1"), "the lock went out of order: " + acquired);
      releaseFirst.countDown();
      check(waitUntil(() -> acquired.size() == 2, WAIT_MS), "the second waiter never got the lock: " + acquired);
      for (Thread t : threads) t.join(WAIT_MS);
      check(errors.isEmpty(), "errors " + errors);
      check(view.getParticipantNodes().isEmpty(), "lock nodes left: " + view.getParticipantNodes());
      return "(holder JVM pid " + pid + " killed with SIGKILL; w1 took the lock " + handover
          + " ms later, session timeout " + SESSION_MS + " ms; then w2)";
    } finally {
      if (holder.isAlive()) holder.destroyForcibly();
    }
  }

  /** The child JVM of lockHandover: takes the lock and keeps it until killed. */
  static void hold(String lock) throws Exception {
    CuratorFramework c = client();
    InterProcessMutex m = new InterProcessMutex(c, lock);
    if (!m.acquire(WAIT_MS, TimeUnit.MILLISECONDS)) {
      System.out.println("could not take the lock");
      System.exit(1);
    }
    System.out.println("holding " + Long.toHexString(c.getZookeeperClient().getZooKeeper().getSessionId()));
    System.out.flush();
    // Kept until killed; should the parent die first, its end of stdin closes and so does this.
    while (System.in.read() != -1) { /* nothing to read */ }
    System.exit(0);
  }

  /** Three latches: one leader; its client closes (its session ends); one of the others leads. */
  static String leaderLatch() throws Exception {
    String path = base + "/leader";
    List<CuratorFramework> cs = new ArrayList<>();
    List<LeaderLatch> latches = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CuratorFramework ci = client();
      cs.add(ci);
      LeaderLatch l = new LeaderLatch(ci, path, "l" + i);
      latches.add(l);
      l.start();
    }
    try {
      check(waitUntil(() -> leaders(latches, Set.of()) == 1, WAIT_MS), "no leader");
      Thread.sleep(500);
      check(leaders(latches, Set.of()) == 1, leaders(latches, Set.of()) + " leaders");
      int first = -1;
      for (int i = 0; i < 3; i++) if (latches.get(i).hasLeadership()) first = i;
      String id = "l" + first;
      for (LeaderLatch l : latches) check(l.getLeader().getId().equals(id), "a latch sees leader " + l.getLeader().getId() + ", not " + id);
      // The leader's session ends (its client closes, the ephemeral node goes): not a latch close.
      cs.get(first).close();
      Set<Integer> gone = Set.of(first);
      check(waitUntil(() -> leaders(latches, gone) == 1, 2 * WAIT_MS), "no new leader after " + id + " went");
      Thread.sleep(500);
      check(leaders(latches, gone) == 1, leaders(latches, gone) + " leaders after the first went");
      int second = -1;
      for (int i = 0; i < 3; i++) if (i != first && latches.get(i).hasLeadership()) second = i;
      String id2 = "l" + second;
      check(waitUntil(() -> {
        try { return latches.get(gone.contains(0) ? 1 : 0).getLeader().getId().equals(id2); } catch (Exception e) { return false; }
      }, WAIT_MS), "the survivors do not agree on " + id2);
      return "(" + id + " led; its session closed; " + id2 + " took over)";
    } finally {
      for (int i = 0; i < 3; i++) {
        try { latches.get(i).close(LeaderLatch.CloseMode.SILENT); } catch (Exception e) { /* its client is closed */ }
      }
    }
  }

  static int leaders(List<LeaderLatch> latches, Set<Integer> except) {
    int n = 0;
    for (int i = 0; i < latches.size(); i++) if (!except.contains(i) && latches.get(i).hasLeadership()) n++;
    return n;
  }

  /** A barrier set by one client holds two waiters until it is removed. */
  static String barrier() throws Exception {
    String path = base + "/barrier";
    CuratorFramework owner = client();
    DistributedBarrier b = new DistributedBarrier(owner, path);
    b.setBarrier();
    List<String> passed = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      CuratorFramework ci = client();
      String name = "b" + i;
      Thread t = new Thread(() -> {
        try {
          if (new DistributedBarrier(ci, path).waitOnBarrier(3 * WAIT_MS, TimeUnit.MILLISECONDS)) passed.add(name);
        } catch (Throwable e) {
          errors.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    Thread.sleep(1500);
    check(passed.isEmpty() && errors.isEmpty(), "passed a set barrier: " + passed + " " + errors);
    b.removeBarrier();
    for (Thread t : threads) t.join(4 * WAIT_MS);
    check(errors.isEmpty(), "errors " + errors);
    check(passed.size() == 2, "passed once removed: " + passed);
    return null;
  }

  /** Three members: none enters before the third arrives, none leaves before all leave. */
  static String doubleBarrier() throws Exception {
    String path = base + "/double";
    AtomicInteger arrived = new AtomicInteger();
    AtomicInteger entered = new AtomicInteger();
    AtomicInteger left = new AtomicInteger();
    List<Integer> arrivedAtEnter = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CuratorFramework ci = client();
      threads.add(new Thread(() -> {
        DistributedDoubleBarrier d = new DistributedDoubleBarrier(ci, path, 3);
        try {
          arrived.incrementAndGet();
          check(d.enter(3 * WAIT_MS, TimeUnit.MILLISECONDS), "enter timed out");
          arrivedAtEnter.add(arrived.get());
          entered.incrementAndGet();
          check(d.leave(3 * WAIT_MS, TimeUnit.MILLISECONDS), "leave timed out");
          left.incrementAndGet();
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    threads.get(0).start();
    threads.get(1).start();
    check(waitUntil(() -> arrived.get() == 2, WAIT_MS), "two members never arrived");
    Thread.sleep(1500);
    check(entered.get() == 0 && errors.isEmpty(), "entered with two of three members: " + entered.get() + " " + errors);
    threads.get(2).start();
    for (Thread t : threads) t.join(7 * WAIT_MS);
    check(errors.isEmpty(), "errors " + errors);
    check(entered.get() == 3 && left.get() == 3, entered.get() + " entered, " + left.get() + " left");
    check(arrivedAtEnter.equals(List.of(3, 3, 3)), "entered before all arrived: " + arrivedAtEnter);
    return null;
  }

  /** Four clients increment one DistributedAtomicLong 25 times each, concurrently: 100. */
  static String atomicLong() throws Exception {
    String path = base + "/atomic";
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger retried = new AtomicInteger();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      CuratorFramework ci = client();
      threads.add(new Thread(() -> {
        DistributedAtomicLong n = new DistributedAtomicLong(ci, path, new RetryNTimes(50, 10));
        try {
          for (int k = 0; k < 25; k++) {
            for (;;) {
              AtomicValue<Long> v = n.increment();
              if (v.succeeded()) {
                check(v.postValue() == v.preValue() + 1, "increment " + v.preValue() + " -> " + v.postValue());
                check(seen.add(v.postValue()), "two increments to " + v.postValue());
                break;
              }
              retried.incrementAndGet();
            }
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    for (Thread t : threads) t.start();
    for (Thread t : threads) t.join(5 * WAIT_MS);
    check(errors.isEmpty(), "errors " + errors);
    AtomicValue<Long> end = new DistributedAtomicLong(clients.get(0), path, new RetryNTimes(3, 10)).get();
    check(end.succeeded() && end.postValue() == 100, "final value " + end.postValue());
    check(seen.size() == 100, seen.size() + " distinct results");
    return "(4 clients x 25 increments = 100)";
  }

  /** Three clients add 20 each to a SharedCount with trySetCount: 60. */
  static String sharedCount() throws Exception {
    String path = base + "/shared";
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    List<SharedCount> counts = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 3; i++) {
      CuratorFramework ci = client();
      SharedCount sc = new SharedCount(ci, path, 0);
      sc.start();
      counts.add(sc);
      threads.add(new Thread(() -> {
        try {
          for (int k = 0; k < 20; k++) {
            for (;;) {
              VersionedValue<Integer> v = sc.getVersionedValue();
              if (sc.trySetCount(v, v.getValue() + 1)) break;
            }
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    try {
      for (Thread t : threads) t.start();
      for (Thread t : threads) t.join(5 * WAIT_MS);
      check(errors.isEmpty(), "errors " + errors);
      // Every SharedCount hears the last value through its watch.
      check(waitUntil(() -> counts.stream().allMatch((s) -> s.getCount() == 60), WAIT_MS),
          "counts " + counts.stream().map(SharedCount::getCount).toList());
      return "(3 clients x 20 = 60)";
    } finally {
      for (SharedCount s : counts) s.close();
    }
  }
}
