"""kazoo (Python's ZooKeeper client, unmodified) against a natszk gateway.

Usage: python3 kazoo_client.py HOST:PORT[,HOST:PORT...] ROOT
Prints one JSON object with what it saw; the test (gateway-kazoo.test.ts) checks it.
"""
import json
import sys
import threading

from kazoo.client import KazooClient
from kazoo.exceptions import BadVersionError, NoNodeError, NodeExistsError
from kazoo.recipe.counter import Counter
from kazoo.recipe.lock import Lock

hosts, root = sys.argv[1], sys.argv[2]
out = {}


def client():
    zk = KazooClient(hosts=hosts, timeout=10)
    zk.start(timeout=30)
    return zk


zk = client()
other = client()

# CRUD
zk.create(root + "/crud", b"v1", makepath=True)
data, stat = zk.get(root + "/crud")
out["crud_get"] = [data.decode(), stat.version]
stat = zk.set(root + "/crud", b"v2", version=0)
out["crud_set_version"] = stat.version
errors = []
try:
    zk.set(root + "/crud", b"v3", version=0)
except BadVersionError:
    errors.append("BadVersionError")
try:
    zk.create(root + "/crud", b"")
except NodeExistsError:
    errors.append("NodeExistsError")
try:
    zk.get(root + "/missing")
except NoNodeError:
    errors.append("NoNodeError")
out["crud_errors"] = errors
zk.create(root + "/crud/child", b"")
out["crud_children"] = zk.get_children(root + "/crud")
out["crud_exists_missing"] = zk.exists(root + "/nope") is None
seq = zk.create(root + "/crud/seq-", b"", sequence=True, ephemeral=True)
out["crud_sequential"] = seq.rsplit("/", 1)[1]
zk.delete(root + "/crud", recursive=True)
out["crud_deleted"] = zk.exists(root + "/crud") is None
tx = zk.transaction()
tx.create(root + "/tx", b"a")
tx.create(root + "/tx/b", b"")
out["multi"] = [str(r) for r in tx.commit()]

# Watches: a data watch, a child watch, an exists watch; each fires once.
events = []
fired = threading.Event()


def watcher(event):
    events.append([event.type, event.path])
    if len(events) == 3:
        fired.set()


zk.create(root + "/w", b"0")
zk.get(root + "/w", watch=watcher)
zk.get_children(root + "/w", watch=watcher)
zk.exists(root + "/w/new", watch=watcher)
other.set(root + "/w", b"1")
other.create(root + "/w/new", b"")
fired.wait(20)
out["watch_events"] = sorted(events)

# Lock: the second contender waits until the first releases.
order = []
lock_a = Lock(zk, root + "/lock", "a")
lock_b = Lock(other, root + "/lock", "b")
lock_a.acquire(timeout=20)
order.append("a acquired")
out["lock_contenders"] = lock_a.contenders()


def contend():
    lock_b.acquire(timeout=30)
    order.append("b acquired")
    lock_b.release()


t = threading.Thread(target=contend)
t.start()
# b must not get the lock while a holds it.
t.join(1.5)
order.append("a releasing")
lock_a.release()
t.join(30)
out["lock_order"] = order

# Counter: increments from two clients, none lost.
counters = [Counter(zk, root + "/counter"), Counter(other, root + "/counter")]


def add(counter, n):
    for _ in range(n):
        counter += 1


threads = [threading.Thread(target=add, args=(c, 20)) for c in counters]
for t in threads:
    t.start()
for t in threads:
    t.join(60)
out["counter"] = Counter(zk, root + "/counter").value

zk.stop()
zk.close()
other.stop()
other.close()
print(json.dumps(out))
